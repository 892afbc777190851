// What the curl client puts on the wire (paths, the error headers, their bytes) and how it reads
// the statuses the Runtime API answers posts with, against a scripted loopback server.
import XCTest
@testable import LambdaRuntime

final class CurlRuntimeAPIClientTests: XCTestCase {
    /// A server that records each request's head and body and answers each with `status`.
    private func recordingServer(status: String = "202 Accepted") throws -> (ScriptedHTTPServer, () -> [(head: String, body: [UInt8])]) {
        let lock = NSLock()
        var requests: [(head: String, body: [UInt8])] = []
        let server = try ScriptedHTTPServer { connection in
            while let request = connection.readRequest() {
                lock.withLock { requests.append(request) }
                connection.write("HTTP/1.1 \(status)\r\nContent-Length: 2\r\n\r\n{}")
            }
        }
        return (server, { lock.withLock { requests } })
    }

    private func client(_ server: ScriptedHTTPServer) throws -> CurlRuntimeAPIClient {
        try CurlRuntimeAPIClient(runtimeAPI: "127.0.0.1:\(server.port)", workingDirectory: "/var/task", logger: LambdaLogger(sink: LogSink { _ in }))
    }

    private func header(_ name: String, in head: String) -> String? {
        head.split(separator: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
            .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
    }

    func testErrorPostsCarryTheErrorTypeAndXRayHeadersOnTheRightPaths() throws {
        let (server, requests) = try recordingServer()
        let client = try client(server)
        // A message quoting input: a DEL byte and a line break must not reach a header raw.
        let report = ErrorReport(errorType: "Function.InvalidEvent", errorMessage: "bad \u{7F} field\r\nX-Injected: 1")
        try client.sendError(requestID: "8476a536-e9f4-11e8-9739-2dfe598c3fcd", report: report)
        try client.sendInitError(ErrorReport(errorType: "Runtime.InitError", errorMessage: "no model"))
        let (errorPost, initPost) = (requests()[0], requests()[1])
        XCTAssertTrue(errorPost.head.hasPrefix("POST /2018-06-01/runtime/invocation/8476a536-e9f4-11e8-9739-2dfe598c3fcd/error HTTP/1.1\r\n"), errorPost.head)
        XCTAssertTrue(initPost.head.hasPrefix("POST /2018-06-01/runtime/init/error HTTP/1.1\r\n"), initPost.head)
        XCTAssertEqual(header("Lambda-Runtime-Function-Error-Type", in: errorPost.head), "Function.InvalidEvent")
        XCTAssertEqual(header("Lambda-Runtime-Function-Error-Type", in: initPost.head), "Runtime.InitError")
        XCTAssertNil(header("X-Injected", in: errorPost.head), "a line break in a message started a header")
        let cause = try XCTUnwrap(header("Lambda-Runtime-Function-XRay-Error-Cause", in: errorPost.head))
        XCTAssertFalse(errorPost.head.utf8.contains { ($0 < 0x20 && $0 != 0x0D && $0 != 0x0A && $0 != 0x09) || $0 == 0x7F },
                       "a control byte in the request head")
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(cause.utf8)) as? [String: Any])
        XCTAssertEqual(document["working_directory"] as? String, "/var/task")
        XCTAssertEqual(((document["exceptions"] as? [[String: Any]])?.first)?["type"] as? String, "Function.InvalidEvent")
        XCTAssertEqual(header("Content-Length", in: errorPost.head), String(errorPost.body.count))
        let body = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(errorPost.body)) as? [String: Any])
        XCTAssertEqual(body["errorType"] as? String, "Function.InvalidEvent")
        XCTAssertEqual(body["errorMessage"] as? String, report.errorMessage, "the body keeps the message as it was")
    }

    /// A request id is one path segment however odd the server's ids are.
    func testAnOddRequestIDIsPercentEncodedInThePath() throws {
        let (server, requests) = try recordingServer()
        _ = try client(server).sendResponse(requestID: "a b/c?\nd", body: Array("{}".utf8))
        XCTAssertTrue(requests()[0].head.hasPrefix("POST /2018-06-01/runtime/invocation/a%20b%2Fc%3F%0Ad/response HTTP/1.1\r\n"), requests()[0].head)
    }

    /// 202 and 413 are answers; a 5xx is the API failing (the loop exits); any other status is a
    /// refusal of this answer (the loop goes on).
    func testPostStatusesMapToWhatTheLoopDoes() throws {
        for (status, expected) in [("202 Accepted", "accepted"), ("413 Payload Too Large", "tooLarge"),
                                   ("500 Internal Server Error", "apiFailed"), ("400 Bad Request", "unexpectedStatus"),
                                   ("403 Forbidden", "unexpectedStatus")] {
            let (server, _) = try recordingServer(status: status)
            let client = try client(server)
            var outcome: String
            do {
                outcome = try client.sendResponse(requestID: "r", body: [0x31]) == .accepted ? "accepted" : "tooLarge"
            } catch {
                outcome = "\(error.code)"
            }
            XCTAssertEqual(outcome, expected, status)
            if status.hasPrefix("202") || status.hasPrefix("413") { continue }
            do {
                try client.sendError(requestID: "r", report: ErrorReport(errorType: "Function.X", errorMessage: "m"))
                XCTFail("\(status) on an error post was taken as accepted")
            } catch {
                XCTAssertEqual("\(error.code)", expected, status)
            }
        }
    }

    /// An answer that breaks off, or cannot be read, comes after the server took the request: an
    /// answer posted, an event handed out. Sending it again would answer twice, or ask for a second
    /// event with the first unanswered; the client stops instead (apiFailed, which ends the process).
    func testARequestWhoseAnswerBrokeOffIsNotSentAgain() throws {
        for answer in ["HTTP/1.1 202 Accepted\r\nContent-Length: 10\r\n\r\n{}", "HTTP/1.1 202 Accepted\r\nbroken header\r\n\r\n"] {
            let lock = NSLock()
            var requests = 0
            let server = try ScriptedHTTPServer { connection in
                guard connection.readRequest() != nil else { return }
                lock.withLock { requests += 1 }
                connection.write(answer)
            }
            let client = try client(server)
            XCTAssertThrowsError(try client.sendResponse(requestID: "r", body: [0x31])) { error in
                XCTAssertEqual((error as? LambdaRuntimeError)?.code, .apiFailed, "\(error)")
                XCTAssertTrue("\(error)".contains("not sent again"), "\(error)")
            }
            XCTAssertEqual(lock.withLock { requests }, 1, "the response was posted again after \(answer.debugDescription)")
        }
    }

    /// An error type built from input is cut, so that its header cannot make the post too large.
    func testAnErrorTypeNameIsCut() {
        let report = ErrorReport.function(FunctionError(String(repeating: "Long", count: 100_000), "m"))
        XCTAssertEqual(report.errorType, "Function." + String(repeating: "Long", count: 32))
    }
}
