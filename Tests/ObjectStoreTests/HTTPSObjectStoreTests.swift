// HTTPS objects from a loopback server with range support and its own certificate authority.
import Foundation
import TestServers
import XCTest
@testable import ObjectStore

final class HTTPSObjectStoreTests: XCTestCase {
    private static var server: Process?
    private static var port = 0
    private static var failure: Error?
    private static let directory = FileManager.default.temporaryDirectory.appendingPathComponent("https-tests-\(UUID().uuidString)")
    private static let payload: [UInt8] = (0..<2_000_000).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ $0 >> 9) }
    private static var certificate: String { directory.appendingPathComponent("cert.pem").path }

    private static func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw POSIXError(.EINVAL) }
    }

    override class func setUp() {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(payload).write(to: directory.appendingPathComponent("big.bin"))
            // A self-signed certificate for 127.0.0.1, trusted through the store's CA bundle.
            try run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                     "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", directory.appendingPathComponent("key.pem").path, "-out", certificate])
            port = try FreePort.find()
            let process = Process()
            process.executableURL = RepoPaths.root.appendingPathComponent(".venv/bin/python")
            process.arguments = [RepoPaths.root.appendingPathComponent("scripts/https_range_server.py").path, directory.path,
                                 certificate, directory.appendingPathComponent("key.pem").path, String(port)]
            try process.run()
            server = process
            // A slow start under load is waited for (up to 30 s); one that never comes fails the tests.
            let deadline = Date().addingTimeInterval(30)
            while !FreePort.isListening(port) && Date() < deadline && process.isRunning { usleep(50_000) }
            if !FreePort.isListening(port) { throw ServerNotListening(exited: !process.isRunning) }
        } catch { failure = error }
    }

    struct ServerNotListening: Error, CustomStringConvertible {
        let exited: Bool
        var description: String { "scripts/https_range_server.py " + (exited ? "exited before it listened" : "did not listen within 30 s") }
    }

    override class func tearDown() {
        if let server, server.isRunning {
            kill(server.processIdentifier, SIGTERM)
            server.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    private func store(allowLoopback: Bool = true, trust: Bool = true) throws -> ObjectStore {
        if let failure = Self.failure { throw failure }
        return ObjectStore(policy: AccessPolicy(allowedRoots: [], privateHostAllowlist: allowLoopback ? ["127.0.0.1"] : []),
                           s3: .fromEnvironment([:]), caBundle: trust ? Self.certificate : nil)
    }

    private var uri: String { "https://127.0.0.1:\(Self.port)/big.bin" }

    func testRangeReadsAndWholeReadsOverHTTPS() throws {
        let reader = try store().reader(for: uri)
        XCTAssertEqual(reader.size, Int64(Self.payload.count))
        var buffer = [UInt8](repeating: 0, count: 1000)
        let copied = try buffer.withUnsafeMutableBytes { try reader.read(at: 1_500_000, into: $0) }
        XCTAssertEqual(Array(buffer.prefix(copied)), Array(Self.payload[1_500_000..<1_501_000]))
        XCTAssertLessThan(reader.statistics.bytesFetched, Int64(Self.payload.count) / 2)
        XCTAssertEqual(try store().readAll(uri), Self.payload)
    }

    /// HTTPS pins no version (see HTTPRemoteObject), but a file replaced by one of another size
    /// while it is read is a change, not bytes of two files read as one.
    func testAFileReplacedByAnotherSizeWhileItIsReadIsAChange() throws {
        let path = Self.directory.appendingPathComponent("replaced.bin")
        try Data(Self.payload).write(to: path)
        let reader = try store().reader(for: "https://127.0.0.1:\(Self.port)/replaced.bin")
        try Data(Self.payload.prefix(1_800_000).map { $0 ^ 0xFF }).write(to: path)
        var buffer = [UInt8](repeating: 0, count: 1000)
        XCTAssertThrowsError(try buffer.withUnsafeMutableBytes { try reader.read(at: 1_500_000, into: $0) }) { error in
            XCTAssertEqual((error as? ObjectStoreError)?.code, .changed, "\(error)")
            XCTAssertTrue("\(error)".contains("2000000 bytes, now 1800000"), "\(error)")
        }
    }

    func testLoopbackNeedsTheAllowlistAndTheCertificateMustBeTrusted() throws {
        XCTAssertThrowsError(try store(allowLoopback: false).reader(for: uri)) { error in
            XCTAssertEqual((error as? ObjectStoreError)?.code, .refusedByPolicy, "\(error)")
        }
        XCTAssertThrowsError(try store(trust: false).reader(for: uri)) { error in
            XCTAssertEqual((error as? ObjectStoreError)?.code, .network, "\(error)")
            XCTAssertTrue("\(error)".lowercased().contains("certificate") || "\(error)".contains("SSL"), "\(error)")
        }
        XCTAssertThrowsError(try store().reader(for: "https://127.0.0.1:\(Self.port)/missing.bin")) { error in
            XCTAssertEqual((error as? ObjectStoreError)?.code, .notFound, "\(error)")
        }
    }
}
