// Transient failures: S3's SlowDown (a 503) is retried with growing, jittered pauses, and a request
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
        for (attempt, range) in bounds {
            let pauses = (0..<200).map { _ in HTTPClient.backoffMicroseconds(beforeAttempt: attempt) }
            XCTAssertTrue(pauses.allSatisfy { range ~= $0 }, "attempt \(attempt)")
            XCTAssertGreaterThan(Set(pauses).count, 1, "attempt \(attempt): no jitter")
        }
    }
}
