// Callers and runtimes that break the rules: protocol upgrades, more events than the emulator takes,
// two GET nexts at once, error posts over the payload limit, calls after shutdown.
import Foundation
import XCTest
@testable import LambdaEmulator
@testable import LambdaRuntime

final class HostileClientTests: XCTestCase {
    private var emulator: LambdaEmulator!

    private func start(maximumQueuedBytes: Int? = nil, maximumReceivingBytes: Int? = nil, timeout: Double = 30) async throws {
        var configuration = EmulatorConfiguration(command: [], timeoutSeconds: timeout, functionName: "hostile")
        if let maximumQueuedBytes { configuration.maximumQueuedBytes = maximumQueuedBytes }
        if let maximumReceivingBytes { configuration.maximumReceivingBytes = maximumReceivingBytes }
        emulator = try await LambdaEmulator.start(configuration)
    }

    override func tearDown() async throws {
        await emulator?.shutdown()
    }

    private var runtimeAPIPort: Int { Int(emulator.runtimeAPIAddresses[0].split(separator: ":")[1])! }


    /// After an Upgrade (or CONNECT) the HTTP parser stops and kept every later byte: refused, closed.
    func testAnUpgradeIsRefusedAndItsConnectionClosed() async throws {
        try await start()
        let upgrade = Array("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n".utf8) + [UInt8](repeating: 0x41, count: 100_000)
        for port in [emulator.port, runtimeAPIPort] {
            let started = Date()
            let reply = rawExchange(port: port, upgrade)
            XCTAssertTrue(reply.hasPrefix("HTTP/1.1 400"), reply)
            XCTAssertTrue(reply.contains("protocol upgrades and CONNECT are not supported"), reply)
            XCTAssertLessThan(Date().timeIntervalSince(started), 5, "the connection was not closed")
        }
    }

    /// A caller that goes away while its invocation waits for a runtime has it withdrawn: callers
    /// that gave up (curl -m1 in a loop) used to leave work that all ran later, ahead of new callers.
    func testAnInvocationWhoseCallerLeftIsWithdrawnFromTheQueue() async throws {
        try await start()
        let emulator = self.emulator!
        let caller = try XCTUnwrap(connectedSocket(port: emulator.port))
        let request = Array("POST /2015-03-31/functions/function/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}".utf8)
        XCTAssertEqual(request.withUnsafeBytes { send(caller, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }, request.count)
        // No runtime asks for work here: it waits in the queue.
        let queued = await eventually { await emulator.onLoop { emulator.queue.bytes } == 2 }
        XCTAssertTrue(queued, "the event never reached the queue")
        close(caller)
        let withdrawn = await eventually { await emulator.onLoop { emulator.queue.isEmpty } }
        XCTAssertTrue(withdrawn, "the invocation of a caller that left still waits")
        // One whose caller waits stays.
        let waiting = Task { try await postInvocation(port: emulator.port, body: Data("{}".utf8)) }
        let stays = await eventually { await emulator.onLoop { emulator.queue.bytes } == 2 }
        XCTAssertTrue(stays)
        waiting.cancel()
    }

    /// Events beyond what the queue takes get Lambda's throttling answer, over HTTP and in-process.
    func testEventsBeyondTheQueueLimitAre429() async throws {
        try await start(maximumQueuedBytes: 8)
        // No runtime asks for work here, so the first event waits in the queue, filling it.
        let emulator = self.emulator!
        let waiting = Task { try await emulator.invoke(Array("12345678".utf8)) }
        let queued = await eventually { await emulator.onLoop { emulator.queue.bytes } == 8 }
        XCTAssertTrue(queued, "the first event never reached the queue")
        let reply = try await postInvocation(port: emulator.port, body: Data("12345".utf8))
        XCTAssertEqual(reply.status, 429)
        XCTAssertEqual(reply.headers["x-amzn-errortype"], "TooManyRequestsException")
        XCTAssertTrue(reply.body.contains("Rate Exceeded: 8 bytes of events are waiting"), reply.body)
        let inProcess = try await emulator.invoke(Array("1".utf8))
        XCTAssertEqual(inProcess.invokeStatus, 429)
        XCTAssertEqual(inProcess.errorType, "TooManyRequestsException")
        await emulator.shutdown()
        let shutDown = try await waiting.value
        XCTAssertEqual(shutDown.errorType, "Runtime.Shutdown")
    }

    /// Bodies still arriving count against one budget across connections, each its declared length:
    /// a caller whose body would pass it gets 429 (its body read, then its connection closed), a
    /// connection that goes away gives back what it held, and a body alone always gets in. (Each
    /// connection could hold 6 MB, and nothing bounded how many sent at once.)
    func testBodiesArrivingAtOnceAreBounded() async throws {
        try await start(maximumReceivingBytes: 1000)
        // A caller that sends 600 of its 900 bytes and stalls there.
        let stalled = try XCTUnwrap(connectedSocket(port: emulator.port))
        let partial = Array("POST /2015-03-31/functions/function/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n".utf8)
            + [UInt8](repeating: 0x20, count: 600)
        XCTAssertEqual(partial.withUnsafeBytes { send(stalled, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }, partial.count)
        let emulator = self.emulator!
        let holding = await eventually { emulator.receivingBudget.bytesInUse == 900 }
        XCTAssertTrue(holding, "\(emulator.receivingBudget.bytesInUse) bytes held")
        // 500 more do not fit beside its 900.
        let reply = rawExchange(port: emulator.port, Array("POST /2015-03-31/functions/function/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n".utf8)
                                + [UInt8](repeating: 0x20, count: 500))
        XCTAssertTrue(reply.hasPrefix("HTTP/1.1 429"), reply)
        XCTAssertTrue(reply.lowercased().contains("x-amzn-errortype: toomanyrequestsexception"), reply)
        XCTAssertTrue(reply.contains(#""message":"Rate Exceeded: the emulator is receiving 1000 bytes of request bodies at once""#), reply)
        XCTAssertEqual(emulator.receivingBudget.bytesInUse, 900, "the refused body was not given back")
        close(stalled)
        let released = await eventually { emulator.receivingBudget.bytesInUse == 0 }
        XCTAssertTrue(released, "a closed connection kept \(emulator.receivingBudget.bytesInUse) bytes")
        // Alone, a body larger than the budget gets in (to the queue: no runtime takes it here).
        // (A JSON string: the Invoke API takes JSON only.)
        let port = emulator.port
        _ = Task.detached {
            rawExchange(port: port, Array("POST /2015-03-31/functions/function/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 1500\r\n\r\n".utf8)
                        + [0x22] + [UInt8](repeating: 0x78, count: 1498) + [0x22], seconds: 30)
        }
        let queued = await eventually { await emulator.onLoop { emulator.queue.bytes } == 1500 }
        XCTAssertTrue(queued, "a body alone over the budget was refused")
    }

    /// A second GET next while one waits: the first is answered (400) instead of hanging forever,
    /// the second takes the work.
    func testASecondGetNextReplacesTheFirst() async throws {
        try await start()
        let port = runtimeAPIPort
        let getNext = Array("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
        let first = Task.detached { rawExchange(port: port, getNext) }
        let waiting = await eventually { await self.emulator.waitUntilReady() }
        XCTAssertTrue(waiting)
        let second = Task.detached { rawExchange(port: port, getNext) }
        let firstReply = await first.value
        XCTAssertTrue(firstReply.hasPrefix("HTTP/1.1 400"), firstReply)
        let invocation = Task { try await self.emulator.invoke(Array(#"{"n":2}"#.utf8)) }
        let secondReply = await second.value
        XCTAssertTrue(secondReply.hasPrefix("HTTP/1.1 200") && secondReply.hasSuffix(#"{"n":2}"#), secondReply)
        let violations = await emulator.protocolViolations()
        XCTAssertTrue(violations.contains { $0.contains("a second GET next") }, "\(violations)")
        await emulator.shutdown()
        _ = try await invocation.value
    }

    /// An error post over the payload limit gets 413 and the invocation stays open for a shorter one
    /// (the body used to be a splice of the chunks that happened to fit).
    func testAnErrorPostOverThePayloadLimitIs413() async throws {
        try await start()
        let client = try CurlRuntimeAPIClient(runtimeAPI: emulator.runtimeAPIAddresses[0],
                                              logger: LambdaLogger(minimumLevel: .fatal, sink: LogSink { _ in }))
        let result = Task { try await self.emulator.invoke(Array("{}".utf8)) }
        let invocation = try await Task.detached { try client.nextInvocation() }.value
        let body = [UInt8](repeating: 0x41, count: 7 * 1024 * 1024)
        let head = "POST /2018-06-01/runtime/invocation/\(invocation.requestID)/error HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let port = runtimeAPIPort
        let reply = await Task.detached { rawExchange(port: port, Array(head.utf8) + body) }.value
        XCTAssertTrue(reply.hasPrefix("HTTP/1.1 413"), String(reply.prefix(200)))
        try client.sendError(requestID: invocation.requestID, report: ErrorReport(errorType: "Function.TooBig", errorMessage: "short"))
        let answer = try await result.value
        XCTAssertEqual(answer.errorType, "Function.TooBig")
    }

    /// A client that asks before sending its body (curl does over 1 MB) hears 100 Continue at once
    /// instead of waiting a second for it; one whose body is over the limit hears 413 without
    /// sending it.
    func testExpect100ContinueIsAnswered() async throws {
        try await start()
        let small = "POST /2018-06-01/runtime/invocation/nobody/response HTTP/1.1\r\nHost: x\r\nConnection: close\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}"
        let reply = rawExchange(port: runtimeAPIPort, Array(small.utf8))
        XCTAssertTrue(reply.hasPrefix("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 400"), reply)
        // Answered from the head: 413 on the invoke endpoint; on the Runtime API the unknown request
        // id is what is wrong, whatever the size.
        for (port, path, status) in [(emulator.port, "/2015-03-31/functions/function/invocations", "413"),
                                     (runtimeAPIPort, "/2018-06-01/runtime/invocation/nobody/response", "400")] {
            let large = "POST \(path) HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: \(7 << 20)\r\n\r\n"
            let started = Date()
            let refused = rawExchange(port: port, Array(large.utf8))
            XCTAssertTrue(refused.hasPrefix("HTTP/1.1 \(status)"), refused)
            XCTAssertLessThan(Date().timeIntervalSince(started), 5, "the answer waited for a body that was never sent")
        }
    }

    /// A runtime the emulator did not start posts its init error: the caller waiting gets it at once
    /// (no process exit will report it), and the runtime may start over.
    func testAnExternalRuntimesInitErrorReachesTheWaitingCaller() async throws {
        let result = try await initErrorAsTheWaitingCallerGetsIt(body: #"{"errorMessage":"no model","errorType":"Function.Broken"}"#)
        XCTAssertEqual(result.errorType, "Function.Broken", result.bodyText)
    }

    /// The same with an empty post: the caller gets an error body naming the posted type, not an empty one.
    func testAnExternalRuntimesEmptyInitErrorReachesTheCallerAsJSON() async throws {
        let result = try await initErrorAsTheWaitingCallerGetsIt(body: "")
        XCTAssertEqual(result.errorType, "Function.Broken", result.bodyText)
        XCTAssertEqual(jsonObject(result.bodyText)["errorType"] as? String, "Function.Broken", result.bodyText)
    }

    /// Queues an invocation, has the external runtime post `body` as its init error (of type
    /// Function.Broken), and returns what the waiting caller gets.
    private func initErrorAsTheWaitingCallerGetsIt(body: String) async throws -> InvocationResult {
        try await start()
        let emulator = self.emulator!
        let waiting = Task { try await emulator.invoke(Array("{}".utf8)) }
        let queued = await eventually { await emulator.onLoop { !emulator.queue.isEmpty } }
        XCTAssertTrue(queued)
        let post = "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: x\r\nConnection: close\r\nLambda-Runtime-Function-Error-Type: Function.Broken\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        XCTAssertTrue(rawExchange(port: runtimeAPIPort, Array(post.utf8)).hasPrefix("HTTP/1.1 202"))
        return try await waiting.value
    }

    /// An answer that comes after its invocation timed out is refused saying so (400, logged), and
    /// the caller keeps the timeout error.
    func testALateAnswerIsRefusedAsTimedOut() async throws {
        try await start(timeout: 1)
        let emulator = self.emulator!
        let waiting = Task { try await emulator.invoke(Array("{}".utf8)) }
        let next = rawExchange(port: runtimeAPIPort, Array("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
        let id = try XCTUnwrap(next.split(separator: "\r\n").first { $0.lowercased().hasPrefix("lambda-runtime-aws-request-id:") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces))
        let result = try await waiting.value
        XCTAssertEqual(result.errorType, "Sandbox.Timedout")
        let late = rawExchange(port: runtimeAPIPort, Array("POST /2018-06-01/runtime/invocation/\(id)/response HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}".utf8))
        XCTAssertTrue(late.hasPrefix("HTTP/1.1 400"), late)
        XCTAssertTrue(late.contains("invocation \(id) timed out after 1.0 s"), late)
        let violations = await emulator.protocolViolations()
        XCTAssertTrue(violations.contains { $0.contains("timed out") }, "\(violations)")
    }

    /// A call after shutdown is answered at once (it used to wait forever on the stopped loop).
    func testInvokingAfterShutdownIsAnAnswer() async throws {
        try await start()
        await emulator.shutdown()
        let late = try await emulator.invoke(Array("{}".utf8))
        XCTAssertEqual(late.errorType, "Runtime.Shutdown")
    }
}
