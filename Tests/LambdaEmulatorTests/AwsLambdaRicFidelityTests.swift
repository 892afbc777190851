// The official Python runtime client (awslambdaric) against our emulator: the contract as AWS's own
// client reads it, so the emulator cannot drift into a dialect only our runtime speaks.
import Foundation
import XCTest
import LambdaEmulator

final class AwsLambdaRicFidelityTests: EmulatorTestCase {
    private func startPythonRuntime(_ handler: String) async throws -> LambdaEmulator {
        let python = TestPaths.repoRoot.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw XCTSkip("no .venv: run `make deps-python` (make test does) to install awslambdaric") as Error
        }
        return try await LambdaEmulator.start(EmulatorConfiguration(
            command: [python, "-m", "awslambdaric", handler], timeoutSeconds: 30, functionName: "ric-\(handler)",
            handler: handler, shutdownGraceSeconds: 2,
            taskRoot: TestPaths.repoRoot.appendingPathComponent("bench/runtime").path))
    }

    func testEchoHandlerAnswersThroughTheInvokeEndpoint() async throws {
        let emulator = try await startPythonRuntime("handlers.echo")
        shutDownAfterTest(emulator)
        let event = #"{"video":"s3://bucket/clip.mp4","frames":16,"nested":{"a":[1,2,3]}}"#
        let reply = try await postInvocation(port: emulator.port, body: Data(event.utf8))
        XCTAssertEqual(reply.status, 200)
        XCTAssertNil(reply.headers["x-amz-function-error"], reply.body)
        XCTAssertEqual(jsonObject(reply.body) as NSDictionary, jsonObject(event) as NSDictionary)
        // The same runtime serves again: the next/response cycle is complete.
        let again = try await emulator.invoke(Array(#"{"n":2}"#.utf8))
        XCTAssertEqual(jsonObject(again.bodyText)["n"] as? Int, 2)
        let violations = await emulator.protocolViolations()
        XCTAssertEqual(violations, [], "awslambdaric broke a rule the emulator enforces: \(violations)")
    }

    func testFailingHandlerComesBackAsAnUnhandledFunctionError() async throws {
        let emulator = try await startPythonRuntime("handlers.fail")
        shutDownAfterTest(emulator)
        let reply = try await postInvocation(port: emulator.port, body: Data(#"{"video":"s3://b/missing.mp4"}"#.utf8))
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.headers["x-amz-function-error"], "Unhandled")
        let body = jsonObject(reply.body)
        XCTAssertEqual(body["errorType"] as? String, "VideoNotFound")
        XCTAssertEqual(body["errorMessage"] as? String, "no object at s3://b/missing.mp4")
        XCTAssertFalse((body["stackTrace"] as? [String] ?? []).isEmpty, "awslambdaric sends a stack trace")
        let violations = await emulator.protocolViolations()
        XCTAssertEqual(violations, [], "awslambdaric's error post broke a rule the emulator enforces: \(violations)")
    }

    /// A response over the limit: the caller gets Function.ResponseSizeTooLarge as from Lambda,
    /// whatever the client does after its 413 (awslambdaric raises and its process ends), and the
    /// function serves the next invocation.
    func testAnOversizedResponseIsResponseSizeTooLargeAndTheFunctionServesOn() async throws {
        let emulator = try await startPythonRuntime("handlers.large")
        shutDownAfterTest(emulator)
        let big = try await emulator.invoke(Array(#"{"bytes":7340032}"#.utf8))
        XCTAssertEqual(big.functionError, "Unhandled")
        XCTAssertEqual(big.errorType, "Function.ResponseSizeTooLarge")
        XCTAssertTrue(big.bodyText.contains("exceeded maximum allowed payload size (6291556 bytes)"), big.bodyText)
        let small = try await emulator.invoke(Array(#"{"bytes":5}"#.utf8))
        XCTAssertNil(small.functionError, small.bodyText)
        XCTAssertEqual(small.bodyText, #""xxxxx""#)
    }

    func testImportErrorIsAnInitErrorForTheCaller() async throws {
        let emulator = try await startPythonRuntime("no_such_module.handler")
        shutDownAfterTest(emulator)
        let result = try await emulator.invoke(Array("{}".utf8))
        XCTAssertEqual(result.functionError, "Unhandled")
        XCTAssertEqual(jsonObject(result.bodyText)["errorType"] as? String, "Runtime.ImportModuleError")
    }
}
