// The Runtime API client's HTTP/1.1 response framing, on byte strings.
import XCTest
@testable import LambdaRuntime

final class HTTPResponseFramingTests: XCTestCase {
    private func head(_ text: String) throws -> HTTPResponseFraming.Head? {
        try Array(text.utf8).withUnsafeBufferPointer { try HTTPResponseFraming.head($0) }
    }

    private func chunked(_ text: String) throws -> (body: String, end: Int)? {
        try Array(text.utf8).withUnsafeBufferPointer { bytes in
            try HTTPResponseFraming.chunkedBody(bytes).map { (String(decoding: $0.body, as: UTF8.self), $0.end) }
        }
    }

    func testHeadWithContentLengthLowerCasesNamesAndTrimsValues() throws {
        let text = "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id:  abc \r\nContent-Length: 7\r\n\r\n{\"a\":1}"
        let parsed = try XCTUnwrap(try head(text))
        XCTAssertEqual(parsed.status, 200)
        XCTAssertEqual(parsed.headers["lambda-runtime-aws-request-id"], "abc")
        XCTAssertEqual(parsed.bodyLength, .exactly(7))
        XCTAssertEqual(parsed.bodyStart, text.utf8.count - 7)
        XCTAssertTrue(parsed.keepAlive)
    }

    func testHeaderFieldsMatchNamesWithoutCaseAndTheLastRepeatWins() throws {
        let text = "HTTP/1.1 200 OK\r\nX-Id: 1\r\nLAMBDA-RUNTIME-DEADLINE-MS:\t42\r\nx-id: 2\r\nEmpty:\r\nContent-Length: 0\r\n\r\n"
        let headers = try XCTUnwrap(try head(text)).headers
        XCTAssertEqual(headers["x-id"], "2")
        XCTAssertEqual(headers["lambda-runtime-deadline-ms"], "42")
        XCTAssertEqual(headers["empty"], "")
        XCTAssertNil(headers["x-i"])
        XCTAssertNil(headers["x-idd"])
        XCTAssertNil(headers["missing"])
    }

    func testAHeadIsIncompleteUntilItsBlankLineArrives() throws {
        let text = "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
        for cut in 0..<text.utf8.count {
            let prefix = String(decoding: Array(text.utf8)[..<cut], as: UTF8.self)
            XCTAssertNil(try head(prefix), "a head cut at \(cut) bytes must not parse")
        }
        XCTAssertEqual(try head(text)?.bodyLength, HTTPResponseFraming.BodyLength.none)
    }

    func testConnectionCloseHTTP10AndMissingLengthEndKeepAlive() throws {
        XCTAssertEqual(try head("HTTP/1.1 200 OK\r\nConnection: Keep-Alive, CLOSE\r\nContent-Length: 1\r\n\r\n")?.keepAlive, false)
        XCTAssertEqual(try head("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n")?.keepAlive, false)
        XCTAssertEqual(try head("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n")?.keepAlive, true)
        let untilClose = try XCTUnwrap(try head("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"))
        XCTAssertEqual(untilClose.bodyLength, .untilClose)
        XCTAssertFalse(untilClose.keepAlive)
    }

    func testStatusesWithoutBodiesAndInformationalHeads() throws {
        XCTAssertEqual(try head("HTTP/1.1 204 No Content\r\n\r\n")?.bodyLength, HTTPResponseFraming.BodyLength.none)
        let informational = try XCTUnwrap(try head("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"))
        XCTAssertTrue(informational.isInformational)
        XCTAssertEqual(informational.bodyStart, 25)
    }

    func testChunkedBodyWithExtensionsAndTrailers() throws {
        let text = "4;name=x\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\nNEXT"
        let decoded = try XCTUnwrap(try chunked(text))
        XCTAssertEqual(decoded.body, "Wikipedia in\r\n\r\nchunks.")
        XCTAssertEqual(decoded.end, text.utf8.count - 4)
        XCTAssertEqual(try head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")?.bodyLength, .chunked)
    }

    func testChunkedBodyIsIncompleteUntilTheLastChunkAndItsBlankLine() throws {
        let text = "3\r\nabc\r\n0\r\n\r\n"
        for cut in 0..<text.utf8.count {
            let prefix = String(decoding: Array(text.utf8)[..<cut], as: UTF8.self)
            XCTAssertNil(try chunked(prefix), "a chunked body cut at \(cut) bytes must not be complete")
        }
        XCTAssertEqual(try chunked(text)?.body, "abc")
    }

    func testMalformedResponsesAreErrorsThatNameTheProblem() {
        let cases: [(String, String)] = [
            ("SSH-2.0-OpenSSH_9.2\r\n\r\n", "malformed status line 'SSH-2.0-OpenSSH_9.2'"),
            ("HTTP/1.1 2x0 OK\r\n\r\n", "malformed status line"),
            ("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed header line 'no colon here'"),
            ("HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n", "invalid Content-Length '-3'"),
            // Refused before a buffer of that size is made (it used to be allocated as the body arrived).
            ("HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n", "Content-Length 1000000000000 is over the 67108864-byte limit"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "unsupported Transfer-Encoding 'gzip'"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try head(text), text) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error) should contain \(expected)")
            }
        }
        XCTAssertThrowsError(try chunked("zz\r\n")) { XCTAssertTrue("\($0)".contains("malformed chunk size")) }
        XCTAssertThrowsError(try chunked("3\r\nabcXY0\r\n\r\n")) { XCTAssertTrue("\($0)".contains("not followed by CRLF")) }
        // A size near Int.max used to overflow the bounds check (a trap); chunks past the limit in all are refused too.
        XCTAssertThrowsError(try chunked("7fffffffffffffff\r\nabc")) { XCTAssertTrue("\($0)".contains("over the 67108864-byte limit"), "\($0)") }
        XCTAssertThrowsError(try chunked("3ffffff\r\n" + String(repeating: "a", count: 0x3ffffff) + "\r\n3ffffff\r\n")) {
            XCTAssertTrue("\($0)".contains("chunked body over the 67108864-byte limit"), "\($0)")
        }
        let endless = "HTTP/1.1 200 OK\r\n" + String(repeating: "X-Filler: 0123456789\r\n", count: 4000)
        XCTAssertThrowsError(try head(endless)) { XCTAssertTrue("\($0)".contains("longer than")) }
    }
}
