// HTTPS objects from a loopback server with range support and its own certificate authority.
import Foundation
import TestServers
import XCTest
@testable import ObjectStore

final class HTTPSObjectStoreTests: XCTestCase {
    private static var server: HTTPSRangeServer?
    private static var failure: Error?
    private static let directory = FileManager.default.temporaryDirectory.appendingPathComponent("https-tests-\(UUID().uuidString)")
    private static let payload: [UInt8] = (0..<2_000_000).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ $0 >> 9) }
    private static var certificate: String { server?.certificate ?? "" }
    private static var port: Int { server?.port ?? 0 }

    override class func setUp() {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(payload).write(to: directory.appendingPathComponent("big.bin"))
            server = try HTTPSRangeServer(serving: directory)
        } catch { failure = error }
    }

    override class func tearDown() {
        server?.stop()
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

    /// A URI whose host is an IPv6 address is read (it was tried four times with the address as a
    /// name to pin, which libcurl refuses).
    func testAnIPv6AddressAsTheHost() throws {
        if let failure = Self.failure { throw failure }
        guard FreePort.hasIPv6Loopback() else { throw XCTSkip("no IPv6 loopback here: ::1 cannot be bound") }
        let server = try HTTPSRangeServer(serving: Self.directory, address: "::1")
        defer { server.stop() }
        let store = ObjectStore(policy: AccessPolicy(allowedRoots: [], privateHostAllowlist: ["::1"]), s3: .fromEnvironment([:]),
                                caBundle: server.certificate)
        let reader = try store.reader(for: "https://[::1]:\(server.port)/big.bin")
        XCTAssertEqual(reader.size, Int64(Self.payload.count))
        var buffer = [UInt8](repeating: 0, count: 1000)
        let copied = try buffer.withUnsafeMutableBytes { try reader.read(at: 1_500_000, into: $0) }
        XCTAssertEqual(Array(buffer.prefix(copied)), Array(Self.payload[1_500_000..<1_501_000]))
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
