// A loopback listener that never accepts: connections complete in the kernel and then hear nothing.
import Foundation

/// Stands for a server that takes connections and never answers (a stalled S3), or for an address
/// nothing may connect to (`wasConnected`). Bound to 127.0.0.1 on a free port; closed when released.
public final class SilentListener {
    public let port: Int
    private let descriptor: Int32

    public init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        } && listen(descriptor, 16) == 0
        guard listening else {
            close(descriptor)
            throw POSIXError(.EADDRINUSE)
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether anything has connected (a connection waits to be accepted).
    public var wasConnected: Bool {
        _ = fcntl(descriptor, F_SETFL, O_NONBLOCK)
        let connection = accept(descriptor, nil, nil)
        if connection >= 0 { close(connection) }
        return connection >= 0
    }

    deinit { close(descriptor) }
}
