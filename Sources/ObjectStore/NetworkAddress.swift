// Resolving a host and telling public addresses from loopback, private, link-local and reserved ones.
import Glibc

/// One resolved IP address, as bytes (4 for IPv4, 16 for IPv6) and as text.
struct NetworkAddress: Equatable {
    let bytes: [UInt8]

    struct ResolutionFailure: Error { let reason: String }

    var text: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        bytes.withUnsafeBytes { raw in
            _ = inet_ntop(bytes.count == 4 ? AF_INET : AF_INET6, raw.baseAddress, &buffer, socklen_t(buffer.count))
        }
        return String(cString: buffer)
    }

    /// Parses a literal IPv4 or IPv6 address.
    init?(literal: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, literal, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, literal, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
            return
        }
        return nil
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    static func resolve(host: String, port: Int) throws -> [NetworkAddress] {
        if let literal = NetworkAddress(literal: host) { return [literal] }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>? = nil
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0 else { throw ResolutionFailure(reason: String(cString: gai_strerror(status))) }
        defer { freeaddrinfo(list) }
        var addresses: [NetworkAddress] = []
        var entry = list
        while let current = entry {
            if let address = current.pointee.ai_addr {
                if current.pointee.ai_family == AF_INET {
                    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                        var raw = $0.pointee.sin_addr
                        addresses.append(NetworkAddress(bytes: withUnsafeBytes(of: &raw) { Array($0) }))
                    }
                } else if current.pointee.ai_family == AF_INET6 {
                    address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                        var raw = $0.pointee.sin6_addr
                        addresses.append(NetworkAddress(bytes: withUnsafeBytes(of: &raw) { Array($0) }))
                    }
                }
            }
            entry = current.pointee.ai_next
        }
        return addresses
    }

    /// False for every range that is not the public internet: loopback, RFC 1918, carrier-grade NAT,
    /// link-local (the metadata service), multicast, documentation and reserved blocks.
    var isPublic: Bool {
        if bytes.count == 4 { return Self.isPublicV4(bytes) }
        let b = bytes
        // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) carry an IPv4 address to check.
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF { return Self.isPublicV4(Array(b[12...])) }
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b[4..<12].allSatisfy({ $0 == 0 }) {
            return Self.isPublicV4(Array(b[12...]))
        }
        if b[0..<15].allSatisfy({ $0 == 0 }) { return false }              // :: and ::1
        if b[0] & 0xFE == 0xFC { return false }                             // fc00::/7 unique local
        if b[0] == 0xFE && b[1] & 0xC0 == 0x80 { return false }             // fe80::/10 link-local
        if b[0] == 0xFF { return false }                                    // multicast
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8 { return false } // documentation
        if b[0] == 0x01 && b[1..<8].allSatisfy({ $0 == 0 }) { return false } // 100::/64 discard
        return true
    }

    private static func isPublicV4(_ b: [UInt8]) -> Bool {
        switch (b[0], b[1], b[2]) {
        case (0, _, _), (10, _, _), (127, _, _): return false
        case (100, 64...127, _): return false           // carrier-grade NAT
        case (169, 254, _): return false                // link-local, instance metadata
        case (172, 16...31, _): return false
        case (192, 0, 0), (192, 0, 2), (192, 168, _): return false
        case (198, 18...19, _), (198, 51, 100), (203, 0, 113): return false
        case (224...255, _, _): return false            // multicast, reserved, broadcast
        default: return true
        }
    }
}
