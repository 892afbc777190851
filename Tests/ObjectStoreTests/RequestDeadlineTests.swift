// Requests end by the deadline a caller sets: a server that never answers fails the request in
// time (`.deadline`) instead of holding it for the stall timeout and its retries (45 s and more).
import Dispatch
import Foundation
import XCTest
@testable import ObjectStore
import TestServers

final class RequestDeadlineTests: XCTestCase {
    func testAServerThatNeverAnswersFailsTheRequestByTheDeadline() throws {
        let server = try SilentListener()
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
