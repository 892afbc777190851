// Parsing the URIs events carry: s3://bucket/key, https://host/path, file:///path and plain paths.

/// Where an object lives, parsed from the URI an event gave.
public enum ObjectURI: Equatable, Sendable {
    case file(path: String)
    case https(url: String, host: String, port: Int)
    case s3(bucket: String, key: String)

    /// Parses `text`; plain paths (absolute or relative) are files.
    public init(parsing text: String) throws {
        func invalid(_ reason: String) -> ObjectStoreError { ObjectStoreError(.invalidURI, uri: text, reason) }
        guard !text.isEmpty else { throw invalid("the URI is empty") }
        guard !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            throw invalid("the URI contains control characters")
        }
        if let rest = text.dropPrefix("s3://") {
            // Split by scalars: a key that starts with a combining mark makes one Character of it
            // and the '/' before it, which a search by Characters would not find.
            let scalars = rest.unicodeScalars
            guard let slash = scalars.firstIndex(of: "/") else { throw invalid("an S3 URI needs a key: s3://bucket/key") }
            let bucket = String(scalars[..<slash])
            let key = String(scalars[scalars.index(after: slash)...])
            guard Self.isValidBucketName(bucket) else {
                throw invalid("'\(bucket)' is not a valid bucket name (3-63 characters: a-z, 0-9, '.', '-', a letter or digit at each end, no '..'; "
                              + "buckets made in us-east-1 before March 2018 may also have A-Z and '_', up to 255)")
            }
            guard !key.isEmpty else { throw invalid("an S3 URI needs a key after the bucket") }
            self = .s3(bucket: bucket, key: key)
        } else if let rest = text.dropPrefix("file://") {
            // file:///abs/path (empty authority) or file://localhost/abs/path; nothing else is local.
            let path: Substring
            if rest.hasPrefix("/") { path = rest }
            else if let local = rest.dropPrefix("localhost/") { path = "/" + local }
            else { throw invalid("a file URI must name a local absolute path (file:///path)") }
            self = .file(path: try Self.percentDecoded(String(path), uri: text))
        } else if let rest = text.dropPrefix("file:"), rest.hasPrefix("/") {
            // file:/abs/path, the form without an authority (RFC 8089), which some tools write.
            self = .file(path: try Self.percentDecoded(String(rest), uri: text))
        } else if let rest = text.dropPrefix("https://") {
            let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            guard !authority.contains("@") else { throw invalid("credentials in an HTTPS URI are not accepted") }
            // libcurl refuses such a URL; said here, it is a bad request rather than a network failure.
            guard !text.contains(" ") else { throw invalid("an HTTPS URI cannot contain a space: percent-encode it as %20") }
            let (host, port) = try Self.splitHostPort(String(authority), uri: text)
            self = .https(url: text, host: host, port: port)
        } else if text.contains("://") {
            let scheme = text.prefix { $0 != ":" }
            throw invalid("scheme '\(scheme)' is not supported (use s3://, https://, file:// or a path)")
        } else {
            self = .file(path: text)
        }
    }

    /// S3's rules for bucket names: 3-63 of a-z, 0-9, '.' and '-', starting and ending with a letter
    /// or digit, no two periods in a row; or a name S3 took in us-east-1 before March 2018, which
    /// may also have A-Z and '_' and be up to 255 long (such buckets still exist). (Only a request
    /// to S3 could tell otherwise: three attempts at a host name that cannot exist.)
    static func isValidBucketName(_ name: String) -> Bool {
        name.utf8.count <= 255 && hasBucketNameShape(name) { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2E || byte == 0x2D || byte == 0x5F
        }
    }

    /// A name by today's rules, which can be a host name's first label (virtual-hosted requests);
    /// a legacy one is read path-style.
    static func isCurrentBucketName(_ name: String) -> Bool {
        name.utf8.count <= 63 && hasBucketNameShape(name) { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2E || byte == 0x2D
        }
    }

    /// At least 3 bytes, each `allowed`, a letter or digit at each end, no two periods in a row.
    private static func hasBucketNameShape(_ name: String, allowed: (UInt8) -> Bool) -> Bool {
        func alphanumeric(_ byte: UInt8?) -> Bool { byte.map { allowed($0) && $0 != 0x2E && $0 != 0x2D && $0 != 0x5F } ?? false }
        return name.utf8.count >= 3 && name.utf8.allSatisfy(allowed) && alphanumeric(name.utf8.first) && alphanumeric(name.utf8.last)
            && !name.contains("..")
    }

    private static func splitHostPort(_ authority: String, uri: String) throws -> (String, Int) {
        func invalid(_ reason: String) -> ObjectStoreError { ObjectStoreError(.invalidURI, uri: uri, reason) }
        var host = Substring(authority)
        var portText: Substring? = nil
        if host.hasPrefix("[") {
            // An IPv6 literal: [addr] or [addr]:port.
            guard let close = host.firstIndex(of: "]") else { throw invalid("unterminated IPv6 address") }
            let after = host[host.index(after: close)...]
            if let colonRest = after.dropPrefix(":") { portText = colonRest } else if !after.isEmpty { throw invalid("garbage after the IPv6 address") }
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.lastIndex(of: ":") {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        guard !host.isEmpty else { throw invalid("the URI has no host") }
        var port = 443
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { throw invalid("'\(portText)' is not a port") }
            port = value
        }
        return (host.lowercased(), port)
    }

    private static func percentDecoded(_ text: String, uri: String) throws -> String {
        guard let bytes = percentDecodedBytes(text) else {
            throw ObjectStoreError(.invalidURI, uri: uri, "bad percent escape in the path (% must be followed by two hex digits)")
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw ObjectStoreError(.invalidURI, uri: uri, "the path's escaped bytes are not UTF-8")
        }
        guard !bytes.contains(0) else { throw ObjectStoreError(.invalidURI, uri: uri, "the path contains a NUL byte") }
        return decoded
    }

    /// `text` with each %XX escape replaced by the byte it stands for; nil when an escape is
    /// malformed or the bytes are not UTF-8.
    public static func percentDecoding(_ text: String) -> String? {
        percentDecodedBytes(text).flatMap { String(validating: $0, as: UTF8.self) }
    }

    /// The bytes of `text` with each %XX escape decoded; nil when a % is not followed by two hex digits.
    private static func percentDecodedBytes(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == 0x25 else { bytes.append(byte); continue }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    /// The value of a hex digit (either case); `UInt8(_:radix:)` would also take a sign.
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }
}

extension StringProtocol {
    func dropPrefix(_ prefix: String) -> SubSequence? {
        hasPrefix(prefix) ? self[index(startIndex, offsetBy: prefix.count)...] : nil
    }
}
