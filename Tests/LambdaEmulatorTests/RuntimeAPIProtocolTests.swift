// The emulator's Runtime API as a runtime sees it, driven by our own curl client in this process.
import XCTest
import LambdaEmulator
@testable import LambdaRuntime

final class RuntimeAPIProtocolTests: XCTestCase {
    private var emulator: LambdaEmulator!
    private var client: CurlRuntimeAPIClient!

    override func setUp() async throws {
        emulator = try await LambdaEmulator.start(EmulatorConfiguration(command: [], timeoutSeconds: 30, functionName: "proto", region: "us-east-1"))
        client = try CurlRuntimeAPIClient(runtimeAPI: emulator.runtimeAPIAddresses[0],
                                          logger: LambdaLogger(minimumLevel: .fatal, sink: LogSink { _ in }))
    }

    override func tearDown() async throws {
        await emulator.shutdown()
    }

    /// GET next on a background thread: it blocks until the emulator has work.
    private func next() async throws -> Invocation {
        let client = self.client!
        return try await Task.detached { try client.nextInvocation() }.value
    }

    func testNextCarriesEveryLambdaHeaderAndTheResponseReachesTheCaller() async throws {
        let options = InvocationOptions(clientContext: #"{"custom":{"a":"b"}}"#, cognitoIdentity: #"{"cognitoIdentityId":"c"}"#,
                                        traceID: "Root=1-5e1b4151-5ac6c58f5b5daa6532e4e5a3;Sampled=1")
        async let result = emulator.invoke(Array(#"{"x":1}"#.utf8), options: options)
        let invocation = try await next()
        XCTAssertEqual(invocation.event, Array(#"{"x":1}"#.utf8))
        XCTAssertEqual(invocation.invokedFunctionARN, "arn:aws:lambda:us-east-1:000000000000:function:proto")
        XCTAssertEqual(invocation.traceID, options.traceID)
        XCTAssertEqual(invocation.clientContext, options.clientContext)
        XCTAssertEqual(invocation.cognitoIdentity, options.cognitoIdentity)
        // A function outside tenant isolation mode gets no tenant (TenantIsolationTests has one that does).
        XCTAssertNil(invocation.tenantID)
        let remaining = invocation.deadlineMs - Int64(Date().timeIntervalSince1970 * 1000)
        XCTAssertTrue((25_000...30_000).contains(remaining), "deadline \(remaining) ms away, expected the 30 s timeout")
        XCTAssertEqual(try client.sendResponse(requestID: invocation.requestID, body: Array("ok".utf8)), .accepted)
        let answer = try await result
        XCTAssertEqual(answer, .success(Array("ok".utf8)))
    }

    func testErrorPostReachesTheCallerAsAFunctionError() async throws {
        async let result = emulator.invoke(Array("{}".utf8))
        let invocation = try await next()
        try client.sendError(requestID: invocation.requestID, report: ErrorReport(errorType: "Function.InvalidEvent", errorMessage: "no video"))
        let answer = try await result
        XCTAssertEqual(answer.functionError, "Unhandled")
        XCTAssertEqual(answer.errorType, "Function.InvalidEvent")
        XCTAssertEqual(jsonObject(answer.bodyText)["errorMessage"] as? String, "no video")
    }

    func testUnknownRequestIDAndASecondAnswerAreRefusedWith400() async throws {
        async let result = emulator.invoke(Array("{}".utf8))
        let invocation = try await next()
        XCTAssertThrowsError(try client.sendResponse(requestID: "not-a-request", body: [])) { error in
            XCTAssertEqual((error as? LambdaRuntimeError)?.code, .unexpectedStatus)
            XCTAssertTrue("\(error)".contains("400"), "\(error)")
        }
        XCTAssertEqual(try client.sendResponse(requestID: invocation.requestID, body: Array("1".utf8)), .accepted)
        _ = try await result
        XCTAssertThrowsError(try client.sendResponse(requestID: invocation.requestID, body: Array("2".utf8)))
        let violations = await emulator.protocolViolations()
        XCTAssertEqual(violations.count, 2, "\(violations)")
        XCTAssertTrue(violations[0].contains("unknown request id not-a-request"), violations[0])
        XCTAssertTrue(violations[1].contains("already answered"), violations[1])
    }

    /// Lambda takes any string as the error type (AWS's custom-runtime tutorial sends "Unhandled"):
    /// it reaches the caller as it was sent, and is no violation.
    func testAnyErrorTypeIsTakenAsLambdaTakesIt() async throws {
        async let result = emulator.invoke(Array("{}".utf8))
        let invocation = try await next()
        try client.sendError(requestID: invocation.requestID, report: ErrorReport(errorType: "Unhandled", errorMessage: "m"))
        let answer = try await result
        XCTAssertEqual(answer.errorType, "Unhandled")
        XCTAssertEqual(answer.functionError, "Unhandled")
        let violations = await emulator.protocolViolations()
        XCTAssertEqual(violations, [])
    }

    /// A streamed response that fails midway says so in its trailers: the caller gets that error,
    /// not a success holding what was streamed before it.
    func testAStreamedResponsesErrorTrailersFailTheInvocation() async throws {
        async let result = emulator.invoke(Array("{}".utf8))
        let invocation = try await next()
        let port = Int(emulator.runtimeAPIAddresses[0].split(separator: ":").last!)!
        let errorBody = Data(#"{"errorMessage":"disk full","errorType":"Function.Mid"}"#.utf8).base64EncodedString()
        let request = "POST /2018-06-01/runtime/invocation/\(invocation.requestID)/response HTTP/1.1\r\nHost: x\r\n"
            + "Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n"
            + "Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\nConnection: close\r\n\r\n"
            + "5\r\nhello\r\n0\r\nLambda-Runtime-Function-Error-Type: Function.Mid\r\nLambda-Runtime-Function-Error-Body: \(errorBody)\r\n\r\n"
        let reply = rawExchange(port: port, Array(request.utf8))
        XCTAssertTrue(reply.hasPrefix("HTTP/1.1 202"), reply)
        let answer = try await result
        XCTAssertEqual(answer.functionError, "Unhandled")
        XCTAssertEqual(answer.errorType, "Function.Mid")
        XCTAssertEqual(jsonObject(answer.bodyText)["errorMessage"] as? String, "disk full")
    }

    func testA500OnNextIsAnAPIFailure() async throws {
        await emulator.inject(.nextReturns500)
        do {
            _ = try await next()
            XCTFail("GET next should have failed")
        } catch let error as LambdaRuntimeError {
            XCTAssertEqual(error.code, .apiFailed)
        }
    }

    func testADroppedConnectionIsRetried() async throws {
        await emulator.inject(.dropNextConnection)
        async let result = emulator.invoke(Array("{}".utf8))
        let invocation = try await next()
        XCTAssertEqual(try client.sendResponse(requestID: invocation.requestID, body: Array("after retry".utf8)), .accepted)
        let answer = try await result
        XCTAssertEqual(answer.bodyText, "after retry")
    }

    /// As Lambda's Runtime API does: the caller gets Function.ResponseSizeTooLarge naming both sizes,
    /// the runtime 413, and an error posted after it is refused (the invocation is over).
    func testAResponseOverTheLimitGets413AndEndsTheInvocation() async throws {
        async let result = emulator.invoke(Array("{}".utf8))
        let invocation = try await next()
        let big = [UInt8](repeating: 0x61, count: LambdaEmulator.responseLimit + 1)
        XCTAssertEqual(try client.sendResponse(requestID: invocation.requestID, body: big), .tooLarge)
        let answer = try await result
        XCTAssertEqual(answer.errorType, "Function.ResponseSizeTooLarge")
        XCTAssertEqual(jsonObject(answer.bodyText)["errorMessage"] as? String,
                       "Response payload size (6291557 bytes) exceeded maximum allowed payload size (6291556 bytes).")
        XCTAssertThrowsError(try client.sendError(requestID: invocation.requestID, report: ErrorReport(errorType: "Function.Late", errorMessage: "late")))
        let violations = await emulator.protocolViolations()
        XCTAssertTrue(violations.contains { $0.contains("ended as Function.ResponseSizeTooLarge when its response got 413") }, "\(violations)")
    }

    /// Lambda's limits differ by 100 bytes: a request must stay under 6291456, a response may be 6291556.
    func testAResponseMayCarryLambdasResponseLimit() async throws {
        async let result = emulator.invoke(Array("{}".utf8))
        let invocation = try await next()
        let body = [UInt8](repeating: 0x61, count: 6_291_556)
        XCTAssertEqual(try client.sendResponse(requestID: invocation.requestID, body: body), .accepted)
        let answer = try await result
        XCTAssertEqual(answer.body.count, 6_291_556)
        XCTAssertNil(answer.functionError)
    }

    func testInjected413OnAResponse() async throws {
        await emulator.inject(.rejectNextResponseWith413)
        async let result = emulator.invoke(Array("{}".utf8))
        let invocation = try await next()
        XCTAssertEqual(try client.sendResponse(requestID: invocation.requestID, body: Array("small".utf8)), .tooLarge)
        XCTAssertThrowsError(try client.sendResponse(requestID: invocation.requestID, body: Array("small".utf8)))
        let answer = try await result
        XCTAssertEqual(answer.errorType, "Function.ResponseSizeTooLarge")
    }

    func testUnreachableAPIFailsAfterBoundedRetries() throws {
        // A port nothing listens on: bind, read the number, close.
        let closed = try CurlRuntimeAPIClient(runtimeAPI: "127.0.0.1:1", logger: LambdaLogger(minimumLevel: .fatal, sink: LogSink { _ in }))
        XCTAssertThrowsError(try closed.nextInvocation()) { error in
            XCTAssertEqual((error as? LambdaRuntimeError)?.code, .apiUnreachable)
            XCTAssertTrue("\(error)".contains("failed 3 times"), "\(error)")
        }
    }

    func testMissingRuntimeAPIVariableIsAClearError() {
        XCTAssertThrowsError(try CurlRuntimeAPIClient(runtimeAPI: nil, logger: LambdaLogger())) { error in
            XCTAssertEqual((error as? LambdaRuntimeError)?.code, .missingRuntimeAPI)
        }
    }
}
