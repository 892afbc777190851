// A loopback HTTPS file server with Range support (scripts/https_range_server.py) and the
// self-signed certificate that makes it trusted, for tests that read objects over HTTPS.
import Foundation

public final class HTTPSRangeServer {
    /// The port it listens on.
    public let port: Int
    /// The certificate (for 127.0.0.1 and ::1) to trust: an ObjectStore's caBundle, or CURL_CA_BUNDLE.
    public let certificate: String
    private let process: Process
    private let keyDirectory: URL

    public struct NotListening: Error, CustomStringConvertible {
        public let address: String
        public var description: String { "scripts/https_range_server.py could not listen on \(address)" }
    }

    /// Serves `directory` on `address` (127.0.0.1, or ::1 for IPv6's loopback), on a free port.
    /// Throws `NotListening` when the server ends without listening (no IPv6 on this machine).
    public init(serving directory: URL, address: String = "127.0.0.1") throws {
        keyDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("https-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: keyDirectory, withIntermediateDirectories: true)
        certificate = keyDirectory.appendingPathComponent("cert.pem").path
        let key = keyDirectory.appendingPathComponent("key.pem").path
        let openssl = try CommandRun.run("/usr/bin/env", ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                                                          "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,IP:::1",
                                                          "-keyout", key, "-out", certificate])
        guard openssl.status == 0 else { throw POSIXError(.EINVAL) }
        process = Process()
        process.executableURL = RepoPaths.root.appendingPathComponent(".venv/bin/python")
        process.arguments = [RepoPaths.root.appendingPathComponent("scripts/https_range_server.py").path, directory.path,
                             certificate, key, "0", address]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // It prints its port once it listens; one that cannot bind ends without printing it.
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: keyDirectory)
            throw NotListening(address: address)
        }
        self.port = port
    }

    /// Stops the server by its PID and removes its key and certificate.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: keyDirectory)
    }

    deinit { stop() }
}
