// X-Amz-Log-Type: Tail on the invoke endpoint: the end of the invocation's own log (START, what
// the runtime wrote, END, REPORT), base64 in X-Amz-Log-Result, as `aws lambda invoke --log-type
// Tail` reads it.
import Foundation
@testable import LambdaEmulator
import XCTest

final class LogTailTests: EmulatorTestCase {
    private func start(_ handler: String, timeout: Double = 10) async throws -> LambdaEmulator {
        var configuration = EmulatorConfiguration(command: [TestPaths.executable("lambda-test-function")], timeoutSeconds: timeout,
                                                  functionName: "test-\(handler)", handler: handler, shutdownGraceSeconds: 1)
        // The emulator's own log, as `serve` writes it, is not this test's to read.
        configuration.platformLog = PlatformLog(format: .text) { _ in }
        let emulator = try await LambdaEmulator.start(configuration)
        shutDownAfterTest(emulator)
        return emulator
    }

    /// Invokes with `X-Amz-Log-Type: Tail`; the reply and its decoded log.
    private func invokeWithTail(_ emulator: LambdaEmulator, _ event: String) async throws -> (HTTPReply, String) {
        let reply = try await postInvocation(port: emulator.port, body: Data(event.utf8), headers: ["X-Amz-Log-Type": "Tail"])
        let encoded = try XCTUnwrap(reply.headers["x-amz-log-result"], "\(reply.headers)")
        let log = try XCTUnwrap(Data(base64Encoded: encoded), encoded)
        XCTAssertLessThanOrEqual(log.count, 4096)
        return (reply, String(decoding: log, as: UTF8.self))
    }

    func testTheTailHoldsTheInvocationsOwnLinesInOrder() async throws {
        let emulator = try await start("log")
        let (first, _) = try await invokeWithTail(emulator, #"{"lines": 3}"#)
        XCTAssertEqual(first.status, 200)
        let (reply, log) = try await invokeWithTail(emulator, #"{"n": 2}"#)
        XCTAssertEqual(reply.body, #"{"n": 2}"#)
        let requestID = try XCTUnwrap(reply.headers["x-amzn-requestid"])
        let lines = log.split(separator: "\n").map(String.init)
        XCTAssertGreaterThanOrEqual(lines.count, 4, log)
        guard lines.count >= 4 else { return }
        XCTAssertEqual(lines[0], "START RequestId: \(requestID) Version: $LATEST")
        XCTAssertTrue(lines[1].contains("\t\(requestID)\tINFO\tinfo line from the test handler"), lines[1])
        // (and its debug line, where the test's environment sets that level)
        XCTAssertEqual(lines[lines.count - 2], "END RequestId: \(requestID)")
        XCTAssertTrue(lines[lines.count - 1].hasPrefix("REPORT RequestId: \(requestID)\tDuration: "), lines[lines.count - 1])
        // The first invocation's lines are its own: none reached the second's tail.
        XCTAssertFalse(log.contains("info line 2"), log)
    }

    func testTheTailIsTheLast4KB() async throws {
        let emulator = try await start("log")
        let (_, log) = try await invokeWithTail(emulator, #"{"lines": 200}"#)
        XCTAssertEqual(log.utf8.count, 4096)
        XCTAssertTrue(log.contains("info line 199 from the test handler"), log)
        XCTAssertFalse(log.contains("START RequestId"), log)
        XCTAssertTrue(log.hasSuffix("\t\n"), "the tail ends with the REPORT line: \(log.suffix(200))")
    }

    func testATimedOutInvocationsTailSaysSo() async throws {
        let emulator = try await start("sleep", timeout: 1)
        let (reply, log) = try await invokeWithTail(emulator, #"{"ms": 5000}"#)
        XCTAssertEqual(reply.headers["x-amz-function-error"], "Unhandled")
        XCTAssertTrue(log.contains("Task timed out after 1.00 seconds"), log)
        XCTAssertTrue(log.contains("Status: timeout"), log)
    }

    func testOnlyATailIsAskedFor() async throws {
        let emulator = try await start("log")
        let plain = try await postInvocation(port: emulator.port, body: Data("{}".utf8))
        XCTAssertEqual(plain.status, 200)
        XCTAssertNil(plain.headers["x-amz-log-result"])
        let none = try await postInvocation(port: emulator.port, body: Data("{}".utf8), headers: ["X-Amz-Log-Type": "None"])
        XCTAssertNil(none.headers["x-amz-log-result"])
        let other = try await postInvocation(port: emulator.port, body: Data("{}".utf8), headers: ["X-Amz-Log-Type": "Full"])
        XCTAssertEqual(other.status, 400)
        XCTAssertTrue(other.body.contains("X-Amz-Log-Type 'Full' is not one of None, Tail"), other.body)
    }
}
