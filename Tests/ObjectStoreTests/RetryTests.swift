// Transient failures: S3's SlowDown (a 503) is retried with growing, jittered pauses (longer than a 500's), and a request
// that keeps failing says how and after how many attempts. And what is not retried: a body that
// declares more than the limit, refused at its first bytes.
import Foundation
import TestServers
import XCTest
@testable import ObjectStore

final class RetryTests: XCTestCase {
    /// A server that answers its first `failures` GETs with S3's SlowDown, then the object "hello".
    private func throttlingServer(failures: Int) throws -> ScriptedHTTPServer {
        try ScriptedHTTPServer(doGET: """
            self.server.count = getattr(self.server, "count", 0) + 1
            if self.server.count <= \(failures):
                body = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
                self.send_response(503)
            else:
                body = b"hello"
                self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            """)
    }

    private func store(_ server: ScriptedHTTPServer) -> ObjectStore {
        ObjectStore(policy: AccessPolicy(allowedRoots: []), s3: .fromEnvironment(["AWS_ENDPOINT_URL_S3": server.endpoint]))
    }

    /// Requests name their client: some web servers and CDNs refuse those that do not.
    func testRequestsCarryAUserAgent() throws {
        let server = try ScriptedHTTPServer(doGET: """
            body = self.headers.get("User-Agent", "none").encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            """)
        XCTAssertEqual(String(decoding: try store(server).readAll("s3://videos/clip.mp4"), as: UTF8.self), HTTPClient.userAgent)
    }

    func testSlowDownIsRetriedUntilTheObjectComes() throws {
        let server = try throttlingServer(failures: HTTPClient.attempts - 1)
        XCTAssertEqual(try store(server).readAll("s3://videos/clip.mp4"), Array("hello".utf8))
    }

    func testSlowDownEveryTimeNamesTheCodeAndTheAttempts() throws {
        let server = try throttlingServer(failures: 100)
        XCTAssertThrowsError(try store(server).readAll("s3://videos/clip.mp4")) { error in
            XCTAssertEqual((error as? ObjectStoreError)?.code, .network, "\(error)")
            XCTAssertTrue("\(error)".contains("HTTP 503 (SlowDown) (after \(HTTPClient.attempts) attempts)"), "\(error)")
        }
    }

    /// A whole-object read whose answer declares more than the limit is refused at its first bytes,
    /// not once the limit's worth has arrived (the server here sends 1000 bytes of its 5 MB, then stalls).
    func testADeclaredLengthOverTheLimitIsRefusedAtOnce() throws {
        let server = try ScriptedHTTPServer(doGET: """
            import time
            self.send_response(200)
            self.send_header("Content-Length", "5000000")
            self.end_headers()
            self.wfile.write(b"x" * 1000)
            self.wfile.flush()
            time.sleep(30)
            """)
        let store = ObjectStore(policy: AccessPolicy(allowedRoots: [], maximumObjectBytes: 1000),
                                s3: .fromEnvironment(["AWS_ENDPOINT_URL_S3": server.endpoint]))
        let started = Date()
        XCTAssertThrowsError(try store.readAll("s3://videos/big.bin")) { error in
            XCTAssertEqual((error as? ObjectStoreError)?.code, .tooLarge, "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "the read waited for the stalled body")
    }

    func testPausesGrowAndVaryWithinTheirBounds() {
        let bounds = [1: 50_000...100_000, 2: 100_000...200_000, 3: 200_000...400_000, 7: 1_000_000...2_000_000]
        let throttledBounds = [1: 250_000...500_000, 2: 500_000...1_000_000, 3: 1_000_000...2_000_000, 9: 10_000_000...20_000_000,
                               60: 10_000_000...20_000_000]
        for (throttled, bounds) in [(false, bounds), (true, throttledBounds)] {
            for (attempt, range) in bounds {
                let pauses = (0..<200).map { _ in HTTPClient.backoffMicroseconds(beforeAttempt: attempt, throttled: throttled) }
                XCTAssertTrue(pauses.allSatisfy { range ~= $0 }, "attempt \(attempt), throttled \(throttled)")
                XCTAssertGreaterThan(Set(pauses).count, 1, "attempt \(attempt): no jitter")
            }
        }
    }

    /// S3's SlowDown is paced as throttling (0.5 s, then 1 s, 2 s), a 500 as a passing fault; a 501
    /// is not retried at all.
    func testThrottlingBacksOffLongerThanAServerErrorAndA501IsNotRetried() throws {
        func server(status: Int, code: String) throws -> ScriptedHTTPServer {
            try ScriptedHTTPServer(doGET: """
                self.server.count = getattr(self.server, "count", 0) + 1
                body = b"<Error><Code>\(code)</Code><Message>count %d</Message></Error>" % self.server.count
                self.send_response(\(status))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                """)
        }
        func secondsToFail(_ server: ScriptedHTTPServer) -> (Double, String) {
            let started = Date()
            var message = ""
            XCTAssertThrowsError(try store(server).readAll("s3://videos/clip.mp4")) { message = "\($0)" }
            return (Date().timeIntervalSince(started), message)
        }
        let (throttledSeconds, throttled) = secondsToFail(try server(status: 503, code: "SlowDown"))
        XCTAssertTrue(throttled.contains("after \(HTTPClient.attempts) attempts"), throttled)
        // At least the lower bounds of its three pauses: 0.25 + 0.5 + 1 s.
        XCTAssertGreaterThanOrEqual(throttledSeconds, 1.75, throttled)
        let (_, failing) = secondsToFail(try server(status: 500, code: "InternalError"))
        XCTAssertTrue(failing.contains("HTTP 500 (InternalError) (after \(HTTPClient.attempts) attempts)"), failing)
        let (_, unimplemented) = secondsToFail(try server(status: 501, code: "NotImplemented"))
        XCTAssertTrue(unimplemented.contains("NotImplemented") && unimplemented.contains("count 1"), unimplemented)
    }
}
