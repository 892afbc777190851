// Requests end by the deadline a caller sets: a server that never answers fails the request in
// time (`.deadline`) instead of holding it for the stall timeout and its retries (45 s and more).
import Dispatch
import Foundation
import XCTest
@testable import ObjectStore

final class RequestDeadlineTests: XCTestCase {
    /// A loopback port that takes connections (the kernel completes them) and never answers.
    static func silentServer() throws -> (port: Int, descriptor: Int32) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound, listen(descriptor, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        return (Int(UInt16(bigEndian: address.sin_port)), descriptor)
    }

    func testAServerThatNeverAnswersFailsTheRequestByTheDeadline() throws {
        let server = try Self.silentServer()
        defer { close(server.descriptor) }
        let store = ObjectStore(policy: AccessPolicy(allowedRoots: []),
                                s3: S3Configuration(credentials: nil, region: "us-east-1", endpoint: "http://127.0.0.1:\(server.port)"))
        for attempt in [{ _ = try store.reader(for: "s3://videos/a.mp4") }, { try store.write([1], to: "s3://results/a.json") }] {
            let started = DispatchTime.now()
            XCTAssertThrowsError(try store.withDeadline(.now() + .milliseconds(700)) { try attempt() }) { error in
                XCTAssertEqual((error as? ObjectStoreError)?.code, .deadline, "\(error)")
                XCTAssertTrue("\(error)".contains("the invocation's deadline came before the request finished"), "\(error)")
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            XCTAssertLessThan(seconds, 3, "the request outlived its deadline")
        }
    }
}
