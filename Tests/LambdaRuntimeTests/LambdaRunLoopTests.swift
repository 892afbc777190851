// The run loop against a scripted Runtime API: answers, errors, limits, init, exits.
import XCTest
@testable import LambdaRuntime

final class LambdaRunLoopTests: XCTestCase {
    private let quiet = LambdaLogger(format: .text, minimumLevel: .fatal, sink: LogSink { _ in })
    private let noMetrics = MetricsEmitter(namespace: "Test", dimensions: [], sink: LogSink { _ in })

    private func run(_ client: MockRuntimeAPIClient, environment: [String: String] = ["_HANDLER": "h"],
                     handler: @escaping ([UInt8], LambdaContext) throws -> [UInt8]) -> Int32 {
        LambdaRunLoop(client: client, environment: environment, logger: quiet, metrics: noMetrics)
            .run { _ in ClosureHandler(body: handler) }
    }

    func testAnswersEachInvocationThenExitsWhenTheAPIFails() {
        let client = MockRuntimeAPIClient([invocation("a", "1"), invocation("b", "2")])
        let status = run(client) { event, _ in event + event }
        XCTAssertEqual(client.posted, [.response(requestID: "a", body: Array("11".utf8)),
                                       .response(requestID: "b", body: Array("22".utf8))])
        XCTAssertEqual(status, 1, "a failed GET next must end the process with a non-zero status")
    }

    func testHandlerErrorIsPostedAndTheLoopGoesOn() {
        let client = MockRuntimeAPIClient([invocation("a"), invocation("b")])
        var calls = 0
        _ = run(client) { event, _ in
            calls += 1
            if calls == 1 { throw FunctionError("InvalidEvent", "no video field") }
            return event
        }
        XCTAssertEqual(client.posted.count, 2)
        guard case .error("a", let report) = client.posted[0] else { return XCTFail("expected an error post, got \(client.posted[0])") }
        XCTAssertEqual(report.errorType, "Function.InvalidEvent")
        XCTAssertEqual(report.errorMessage, "no video field")
        XCTAssertEqual(client.posted[1], .response(requestID: "b", body: Array("{}".utf8)))
    }

    func testUntypedSwiftErrorIsNamedAfterItsType() {
        struct ModelExploded: Error {}
        let client = MockRuntimeAPIClient([invocation("a")])
        _ = run(client) { _, _ in throw ModelExploded() }
        guard case .error(_, let report) = client.posted.first else { return XCTFail("no error posted") }
        XCTAssertEqual(report.errorType, "Function.ModelExploded")
    }

    func testResponseOverSixMegabytesBecomesResponseSizeTooLarge() {
        let client = MockRuntimeAPIClient([invocation("a")])
        _ = run(client) { _, _ in [UInt8](repeating: 0x41, count: 7 * 1024 * 1024) }
        guard case .error("a", let report) = client.posted.first else { return XCTFail("expected an error post, got \(client.posted)") }
        XCTAssertEqual(report.errorType, "Function.ResponseSizeTooLarge")
        XCTAssertTrue(report.errorMessage.contains("7340032"), report.errorMessage)
    }

    /// Lambda's own limit is 6291556 bytes, 100 more than 6 MiB: a response of that size is sent,
    /// one byte more is refused naming the limit.
    func testResponseAtLambdasLimitIsSentAndOneByteMoreIsNot() {
        let client = MockRuntimeAPIClient([invocation("a", "a"), invocation("b", "b")])
        _ = run(client) { event, _ in
            [UInt8](repeating: 0x41, count: event == Array("b".utf8) ? 6_291_557 : 6_291_556)
        }
        guard case .response("a", let body) = client.posted.first else { return XCTFail("expected a response post") }
        XCTAssertEqual(body.count, 6_291_556)
        guard case .error("b", let report) = client.posted.last else { return XCTFail("expected an error post, got \(client.posted)") }
        XCTAssertEqual(report.errorMessage, "Response payload size (6291557 bytes) exceeded maximum allowed payload size (6291556 bytes).")
    }

    /// Lambda answers an oversized response 413 after ending the invocation with
    /// Function.ResponseSizeTooLarge itself: nothing more is posted for it, and the next is served.
    func testA413FromTheAPIEndsTheInvocation() {
        let client = MockRuntimeAPIClient([invocation("a"), invocation("b")])
        client.responseOutcome = .tooLarge
        _ = run(client) { event, _ in event }
        XCTAssertEqual(client.posted.count, 2)
        guard case .response("a", _) = client.posted.first, case .response("b", _) = client.posted.last else {
            return XCTFail("expected one response post per invocation, got \(client.posted)")
        }
    }

    /// A 400 or 403 on an answer loses that answer, not the runtime (Lambda's contract asks an exit
    /// on a 500 only): an error post refused for its size used to end the process.
    func testARefusedAnswerIsLoggedAndTheNextIsServed() {
        let client = MockRuntimeAPIClient([invocation("a"), invocation("b"), invocation("c")])
        client.answerFailures = ["a": LambdaRuntimeError(.unexpectedStatus, "POST /invocation/a/error answered 400: header too large"),
                                 "b": LambdaRuntimeError(.unexpectedStatus, "POST /invocation/b/response answered 403")]
        var calls = 0
        _ = run(client) { event, _ in
            calls += 1
            if calls == 1 { throw FunctionError("InvalidEvent", "bad") }
            return event
        }
        XCTAssertEqual(client.posted.map(\.requestID), ["a", "b", "c"])
        // A 500 on an answer still ends the process.
        let failing = MockRuntimeAPIClient([invocation("a"), invocation("b")])
        failing.answerFailures = ["a": LambdaRuntimeError(.apiFailed, "POST /invocation/a/response answered 500")]
        XCTAssertEqual(run(failing) { event, _ in event }, 1)
        XCTAssertEqual(failing.posted.map(\.requestID), ["a"])
    }

    func testInitFailureIsPostedAndEndsTheProcess() {
        let client = MockRuntimeAPIClient([invocation("a")])
        let status = LambdaRunLoop(client: client, environment: [:], logger: quiet, metrics: noMetrics)
            .run { _ in throw FunctionError("ModelLoadFailed", "model.onnx.zst: checksum mismatch") }
        XCTAssertEqual(status, 1)
        XCTAssertEqual(client.posted, [.initError(ErrorReport(errorType: "Function.ModelLoadFailed",
                                                                errorMessage: "model.onnx.zst: checksum mismatch",
                                                                stackTrace: ["LambdaRuntime.FunctionError"]))])
        XCTAssertEqual(client.invocations.count, 1, "no GET next after a failed init")
    }

    func testUnknownHandlerIsAnInitErrorListingTheKnownOnes() {
        let client = MockRuntimeAPIClient([])
        let status = LambdaRunLoop(client: client, environment: ["_HANDLER": "video-moderatoin"], logger: quiet, metrics: noMetrics)
            .run(makeHandler: HandlerCatalog.builtIn.makeHandler)
        XCTAssertEqual(status, 1)
        guard case .initError(let report) = client.posted.first else { return XCTFail("expected an init error") }
        XCTAssertEqual(report.errorType, "Runtime.InvalidEntrypoint")
        XCTAssertTrue(report.errorMessage.contains("'video-moderatoin'") && report.errorMessage.contains("echo"), report.errorMessage)
    }

    func testResolvedHandlersAreServedAndListed() {
        var catalog = HandlerCatalog.builtIn
        var asked: [String] = []
        catalog.register(resolving: { name in
            asked.append(name)
            return name == "found" ? { _ in EchoHandler() } : nil
        }, names: { ["found"] })
        XCTAssertEqual(catalog.names, ["echo", "found"])
        XCTAssertNotNil(catalog.factory(named: "found"))
        XCTAssertNotNil(catalog.factory(named: "echo"))
        XCTAssertEqual(asked, ["found"], "registered names do not reach the resolver")

        let client = MockRuntimeAPIClient([invocation("a", #"{"k":1}"#)])
        let status = LambdaRunLoop(client: client, environment: ["_HANDLER": "found"], logger: quiet, metrics: noMetrics)
            .run(makeHandler: catalog.makeHandler)
        XCTAssertEqual(status, 1, "the loop ends when the mock API has no more invocations")
        guard case .response(let id, let body) = client.posted.first else { return XCTFail("expected a response, got \(client.posted)") }
        XCTAssertEqual(id, "a")
        XCTAssertTrue(String(decoding: body, as: UTF8.self).hasPrefix(#"{"event":{"k":1}"#), "the echo handler answered")

        let failing = MockRuntimeAPIClient([])
        _ = LambdaRunLoop(client: failing, environment: ["_HANDLER": "lost"], logger: quiet, metrics: noMetrics).run(makeHandler: catalog.makeHandler)
        guard case .initError(let report) = failing.posted.first else { return XCTFail("expected an init error") }
        XCTAssertTrue(report.errorMessage.contains("known handlers: echo, found"), report.errorMessage)
    }

    func testTraceIDIsInTheEnvironmentOnlyDuringItsInvocation() {
        let client = MockRuntimeAPIClient([invocation("a", traceID: "Root=1-abc-def;Sampled=1"), invocation("b")])
        var seen: [String?] = []
        _ = run(client) { event, _ in
            seen.append(getenv("_X_AMZN_TRACE_ID").map { String(cString: $0) })
            return event
        }
        XCTAssertEqual(seen, ["Root=1-abc-def;Sampled=1", nil])
        XCTAssertNil(getenv("_X_AMZN_TRACE_ID"))
    }

    func testContextCarriesTheInvocationMetadataDecoded() {
        let client = MockRuntimeAPIClient([invocation("a", traceID: "Root=1-x", clientContext: #"{"custom":{"k":"v"}}"#,
                                                      cognitoIdentity: #"{"cognitoIdentityId":"id-1"}"#, tenantID: "tenant-7")])
        var captured: LambdaContext?
        _ = run(client) { event, context in
            captured = context
            return event
        }
        let context = try! XCTUnwrap(captured)
        XCTAssertEqual(context.requestID, "a")
        XCTAssertEqual(context.invokedFunctionARN, "arn:aws:lambda:us-east-1:1:function:f")
        XCTAssertEqual(context.traceID, "Root=1-x")
        XCTAssertEqual(context.tenantID, "tenant-7")
        XCTAssertEqual(context.clientContext?["custom"], .object(["k": .string("v")]))
        XCTAssertEqual(context.cognitoIdentity?["cognitoIdentityId"], .string("id-1"))
        XCTAssertGreaterThan(context.remainingTimeMs, 50_000)
        XCTAssertLessThanOrEqual(context.remainingTimeMs, 60_000)
    }

    func testInvocationFromHeadersRequiresARequestID() {
        XCTAssertThrowsError(try Invocation(headers: ["lambda-runtime-deadline-ms": "1"], body: [])) { error in
            XCTAssertEqual((error as? LambdaRuntimeError)?.code, .missingRequestID)
        }
        let parsed = try? Invocation(headers: ["lambda-runtime-aws-request-id": "r", "lambda-runtime-deadline-ms": "42",
                                               "lambda-runtime-aws-tenant-id": "t"], body: [1])
        XCTAssertEqual(parsed?.deadlineMs, 42)
        XCTAssertEqual(parsed?.tenantID, "t")
    }

    /// A deadline that is missing or does not read as epoch milliseconds means "none known", not
    /// "long past"; one far from now saturates the time left instead of overflowing (a trap).
    func testOddDeadlinesNeitherStopTheWorkNorTrap() throws {
        for odd in [nil, "", "soon", "-5", "-9223372036854775808", "99999999999999999999"] as [String?] {
            var headers = ["lambda-runtime-aws-request-id": "r"]
            headers["lambda-runtime-deadline-ms"] = odd
            let invocation = try Invocation(headers: headers, body: [])
            XCTAssertEqual(invocation.deadlineMs, .max, "\(odd ?? "no header")")
            XCTAssertEqual(LambdaContext(invocation: invocation, logger: LambdaLogger()).remainingTimeMs, .max)
        }
        let far = LambdaContext(invocation: Invocation(requestID: "r", deadlineMs: .min, event: []), logger: LambdaLogger())
        XCTAssertEqual(far.remainingTimeMs, .min)
    }

    /// A streaming handler where the client cannot stream: its writes are one response; an error
    /// before anything is sent is posted to /error; past 6 MB collected, ResponseSizeTooLarge.
    func testAStreamingHandlerThroughAClientThatCannotStream() {
        let client = MockRuntimeAPIClient([invocation("a"), invocation("b"), invocation("c")])
        var call = 0
        _ = LambdaRunLoop(client: client, environment: ["_HANDLER": "h"], logger: quiet, metrics: noMetrics).run { _ in
            ClosureStreamingHandler { stream in
                call += 1
                try stream.write("one ")
                if call == 2 { throw FunctionError("Broken", "midway") }
                if call == 3 { try stream.write([UInt8](repeating: 0x61, count: Lambda.maxResponseBytes)) }
                try stream.write("two")
            }
        }
        XCTAssertEqual(client.posted.first, .response(requestID: "a", body: Array("one two".utf8)))
        guard client.posted.count == 3, case .error("b", let midway) = client.posted[1], case .error("c", let large) = client.posted[2] else {
            return XCTFail("\(client.posted)")
        }
        XCTAssertEqual(midway.errorType, "Function.Broken")
        XCTAssertEqual(large.errorType, "Function.ResponseSizeTooLarge")
    }

    /// A stream the Runtime API refuses at its end (400): the handler's own error, thrown after it
    /// wrote, is logged all the same, and the loop goes on.
    func testAHandlersErrorIsLoggedWhenItsStreamIsRefused() {
        let lines = LineBuffer()
        let client = MockRuntimeAPIClient([invocation("a"), invocation("b")])
        client.streamRefusal = LambdaRuntimeError(.unexpectedStatus, "POST response (streamed) answered 400: unknown request")
        let status = LambdaRunLoop(client: client, environment: ["_HANDLER": "h"], logger: LambdaLogger(format: .text, minimumLevel: .debug, sink: lines.sink),
                                   metrics: noMetrics).run { _ in
            ClosureStreamingHandler { stream in
                try stream.write("part")
                throw FunctionError("Broken", "broke midway")
            }
        }
        XCTAssertEqual(client.posted.count, 2, "both invocations were served")
        XCTAssertEqual(status, 1, "the queue ran out: GET next failed")
        XCTAssertEqual(lines.lines.filter { $0.contains("Function.Broken: broke midway") }.count, 2, lines.lines.joined(separator: "\n"))
        XCTAssertTrue(lines.lines.contains { $0.contains("refused the answer to a") }, lines.lines.joined(separator: "\n"))
    }
}
