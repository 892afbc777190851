// Runtimes and callers that break the contract in ways that used to stop the emulator serving: each
// case must end in an answer, and the emulator must serve the next invocation.
import Foundation
@testable import LambdaEmulator
import XCTest

final class MisbehavingRuntimeTests: XCTestCase {
    /// A runtime written in Python against the Runtime API, so that each test can misbehave its own way.
    private func pythonRuntime(_ body: String) -> [String] {
        let prelude = """
            import os, socket, sys, time, urllib.request
            api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
            def next_event():
                with urllib.request.urlopen(api + "next") as r:
                    return r.headers["Lambda-Runtime-Aws-Request-Id"], r.read()
            def respond(request_id, body):
                urllib.request.urlopen(urllib.request.Request(api + request_id + "/response", data=body, method="POST")).read()

            """
        return ["/usr/bin/env", "python3", "-c", prelude + body]
    }

    /// The answer to `event`, or a test failure after `seconds`: a regression that leaves the caller
    /// waiting forever must fail the test, not hang the suite.
    private func answer(_ emulator: LambdaEmulator, _ event: [UInt8] = Array("{}".utf8), options: InvocationOptions = InvocationOptions(),
                        within seconds: Double = 20) async throws -> InvocationResult {
        let box = AnswerBox()
        Task {
            do { await box.set(.success(try await emulator.invoke(event, options: options))) }
            catch { await box.set(.failure(error)) }
        }
        guard await eventually(seconds, { await box.result != nil }), let result = await box.result else {
            XCTFail("no answer within \(seconds) s")
            throw CancellationError()
        }
        return try result.get()
    }

    private actor Arrival {
        var happened = false
        func mark() { happened = true }
    }

    private actor AnswerBox {
        var result: Result<InvocationResult, Error>?
        func set(_ result: Result<InvocationResult, Error>) { self.result = result }
    }

    private func start(_ command: [String], timeout: Double, concurrency: Int = 1, grace: Double = 2) async throws -> LambdaEmulator {
        let emulator = try await LambdaEmulator.start(EmulatorConfiguration(command: command, concurrency: concurrency, timeoutSeconds: timeout, handler: "echo",
                                                                            shutdownGraceSeconds: grace))
        addTeardownBlock { await emulator.shutdown() }
        return emulator
    }

    /// Metadata the runtime would get in a header cannot hold a control character: refused with
    /// 400 at the Invoke API. (One in the client context used to make the GET next answer
    /// unwritable: the runtime never got its event, and neither that caller nor any later one got
    /// an answer.)
    func testControlCharactersInCallerMetadataAreRefusedAndTheRuntimeKeepsServing() async throws {
        let emulator = try await start([TestPaths.executable("lambda-test-function")], timeout: 5)
        for options in [InvocationOptions(cognitoIdentity: "a\u{1}b"), InvocationOptions(clientContext: "{\"k\":\"\u{1b}\"}"),
                        InvocationOptions(traceID: "Root=1-\u{7f}")] {
            let refused = try await answer(emulator, options: options)
            XCTAssertEqual(refused.invokeStatus, 400, refused.bodyText)
            XCTAssertEqual(refused.errorType, "InvalidRequestContentException", refused.bodyText)
        }
        // Through the invoke endpoint: the client context as the SDKs send it, base64 JSON.
        let context = Data(#"{"custom":{"k":"\#u{1b}"}}"#.utf8).base64EncodedString()
        let reply = try await postInvocation(port: emulator.port, body: Data("{}".utf8), headers: ["X-Amz-Client-Context": context])
        XCTAssertEqual(reply.status, 400, reply.body)
        XCTAssertEqual(reply.headers["x-amzn-errortype"], "InvalidRequestContentException")
        let served = try await answer(emulator, Array(#"{"n": 1}"#.utf8))
        XCTAssertNil(served.functionError, served.bodyText)
    }

    /// Lambda's timeout covers the invoke phase until the runtime asks for the next event: one that
    /// answers and then hangs is replaced at the deadline. (Its slot used to take no work for good.)
    func testARuntimeThatAnswersButNeverAsksAgainIsReplacedAtTheDeadline() async throws {
        let emulator = try await start(pythonRuntime("""
            request_id, event = next_event()
            respond(request_id, b'{"pid": %d}' % os.getpid())
            time.sleep(600)
            """), timeout: 2)
        let first = try await answer(emulator)
        XCTAssertNil(first.functionError, first.bodyText)
        let second = try await answer(emulator)
        XCTAssertNil(second.functionError, second.bodyText)
        // The second runtime is replaced in turn at its own deadline, so only the first two count.
        let started = await emulator.startedPIDs()
        let pids = [first, second].map { jsonObject($0.bodyText)["pid"] as? Int }
        XCTAssertEqual(pids, started.prefix(2).map { Int($0) }, "a fresh runtime serves the second invocation: \(started)")
    }

    /// A runtime that dies while its event is written to it fails that invocation with
    /// Runtime.ExitError, as in Lambda. (When the failed write was seen before the exit, the event
    /// used to go back to the queue, and each fresh runtime got it and died the same way until the
    /// timeout; which came first depends on timing, so this may pass without the fix.)
    func testARuntimeThatDiesReadingItsEventFailsItWithExitError() async throws {
        let emulator = try await start(pythonRuntime("""
            host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
            s = socket.create_connection((host, int(port)))
            s.sendall(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
            s.recv(1000)
            os._exit(7)
            """), timeout: 10)
        let result = try await answer(emulator, [UInt8](repeating: 0x20, count: 6_000_000))
        XCTAssertEqual(result.errorType, "Runtime.ExitError", result.bodyText)
        XCTAssertTrue(result.bodyText.contains("exit status 7"), result.bodyText)
        let started = await emulator.startedPIDs()
        XCTAssertLessThanOrEqual(started.count, 2, "the event was given to fresh runtimes: \(started)")
    }

    /// A request from a process the slot has replaced is dropped: here the child of a runtime that
    /// timed out, which outlives it (its own session escapes the kill) and asks for work on the
    /// parent's connection once the fresh runtime waits. (It used to displace the fresh runtime's
    /// GET next, which got 400 and died, and take the next invocation.)
    func testAProcessTheSlotReplacedGetsNoWork() async throws {
        try await assertALeftBehindChildGetsNoWork(onANewConnection: false)
    }

    /// The same child asking on a connection of its own, opened after the fresh runtime started:
    /// that connection reaches the address the replaced runtime was given, not the fresh one's.
    /// (Connections were told apart by when they were accepted, so this one counted as the fresh
    /// runtime's.)
    func testAProcessTheSlotReplacedGetsNoWorkOnANewConnection() async throws {
        try await assertALeftBehindChildGetsNoWork(onANewConnection: true)
    }

    /// Each process a slot starts gets an address of its own; a replaced process's address takes
    /// connections and drops their requests unanswered, for the last `retiredListenersKept`
    /// replaced processes, and older ones refuse connections (they are closed).
    func testEachProcessOfASlotGetsItsOwnRuntimeAPIAddress() async throws {
        let emulator = try await start(pythonRuntime("""
            request_id, event = next_event()
            respond(request_id, os.environ["AWS_LAMBDA_RUNTIME_API"].encode())
            """), timeout: 10)
        let processes = LambdaEmulator.retiredListenersKept + 3
        var addresses: [String] = []
        for _ in 0..<processes {
            let served = try await answer(emulator)
            XCTAssertNil(served.functionError, served.bodyText)
            addresses.append(served.bodyText)
            // The process exits after its answer: the next invocation starts another.
            let pid = await emulator.startedPIDs().last ?? 0
            _ = await eventually(10) { !isAlive(pid) }
        }
        XCTAssertEqual(Set(addresses).count, processes, "\(addresses)")
        XCTAssertEqual(emulator.runtimeAPIAddresses, [addresses[processes - 1]], "the last process's address is the slot's")
        let port = { (address: String) in Int(address.split(separator: ":").last!)! }
        let getNext = Array("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        // Of the replaced processes' addresses, the newest take connections and answer nothing; the
        // two oldest are closed.
        let kept = LambdaEmulator.retiredListenersKept
        XCTAssertEqual(rawExchange(port: port(addresses[processes - 2]), getNext, seconds: 5), "", "a replaced address answers nothing")
        let oldestKept = connectedSocket(port: port(addresses[processes - 1 - kept]))
        XCTAssertNotNil(oldestKept)
        oldestKept.map { _ = close($0) }
        XCTAssertNil(connectedSocket(port: port(addresses[processes - 2 - kept])), "older addresses are closed")
        let violations = await emulator.protocolViolations()
        XCTAssertEqual(violations, [])
        let served = try await answer(emulator)
        XCTAssertFalse(addresses.contains(served.bodyText), "the next process gets a fresh address: \(served.bodyText)")
        XCTAssertEqual(emulator.runtimeAPIAddresses, [served.bodyText])
    }

    private func assertALeftBehindChildGetsNoWork(onANewConnection: Bool) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stale-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let emulator = try await start(pythonRuntime("""
            import http.client
            if not os.path.exists("\(directory.path)/first"):
                open("\(directory.path)/first", "w").close()
                connection = http.client.HTTPConnection(os.environ["AWS_LAMBDA_RUNTIME_API"], timeout=10)
                connection.request("GET", "/2018-06-01/runtime/invocation/next")
                connection.getresponse().read()
                if os.fork() == 0:
                    os.setsid()
                    time.sleep(2)  # the parent is killed at its 1 s deadline; its successor waits in GET next
                    try:
                        if \(onANewConnection ? "True" : "False"):
                            connection = http.client.HTTPConnection(os.environ["AWS_LAMBDA_RUNTIME_API"], timeout=10)
                        connection.request("GET", "/2018-06-01/runtime/invocation/next")
                        reply = connection.getresponse()
                        outcome = "got %d: %s" % (reply.status, reply.read().decode())
                    except Exception as error:
                        outcome = "closed (%s)" % type(error).__name__
                    open("\(directory.path)/outcome.tmp", "w").write(outcome)
                    os.rename("\(directory.path)/outcome.tmp", "\(directory.path)/outcome")
                    os._exit(0)
                time.sleep(600)
            while True:
                request_id, event = next_event()
                respond(request_id, b'{"pid": %d}' % os.getpid())
            """), timeout: 1)
        let timedOut = try await answer(emulator)
        XCTAssertEqual(timedOut.errorType, "Sandbox.Timedout", timedOut.bodyText)
        let outcomeFile = directory.appendingPathComponent("outcome").path
        let settled = await eventually(15) { FileManager.default.fileExists(atPath: outcomeFile) }
        XCTAssertTrue(settled, "the left-behind child's GET next neither got an answer nor was closed")
        let served = try await answer(emulator)
        XCTAssertNil(served.functionError, served.bodyText)
        let started = await emulator.startedPIDs()
        XCTAssertEqual(started.count, 2, "\(started)")
        XCTAssertEqual(jsonObject(served.bodyText)["pid"] as? Int, started.last.map { Int($0) }, "the fresh runtime serves the next invocation")
        let outcome = (try? String(contentsOfFile: outcomeFile, encoding: .utf8)) ?? ""
        XCTAssertTrue(outcome.hasPrefix("closed"), outcome)
        let violations = await emulator.protocolViolations()
        XCTAssertEqual(violations, [], "the fresh runtime's GET next was not displaced")
    }

    /// An Event invocation is answered 202 as soon as it is queued, while the function still runs
    /// (here it waits for a file the test makes after the answer). It used to be answered when the
    /// function had finished, as a RequestResponse without its body.
    func testAnEventInvocationIsAnsweredBeforeTheFunctionFinishes() async throws {
        let flag = FileManager.default.temporaryDirectory.appendingPathComponent("event-flag-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: flag) }
        var configuration = EmulatorConfiguration(command: pythonRuntime("""
            while True:
                request_id, event = next_event()
                while not os.path.exists("\(flag)"): time.sleep(0.02)
                respond(request_id, b'{"done": true}')
            """), timeoutSeconds: 60, handler: "echo", shutdownGraceSeconds: 1)
        configuration.platformLog = PlatformLog(format: .text) { _ in }
        let emulator = try await LambdaEmulator.start(configuration)
        addTeardownBlock { await emulator.shutdown() }
        let arrived = Arrival()
        let call = Task {
            defer { Task { await arrived.mark() } }
            return try await postInvocation(port: emulator.port, body: Data("{}".utf8), headers: ["X-Amz-Invocation-Type": "Event"])
        }
        let answered = await eventually(20) { await arrived.happened }
        XCTAssertTrue(answered, "no 202 while the function ran")
        let reply = try await call.value
        XCTAssertEqual(reply.status, 202)
        let reportsBefore = await emulator.platformReportSummary().durationsMs.count
        XCTAssertEqual(reportsBefore, 0, "the function had not finished when the 202 came")
        FileManager.default.createFile(atPath: flag, contents: Data())
        let finished = await eventually(20) { await emulator.platformReportSummary().durationsMs.count == 1 }
        XCTAssertTrue(finished, "the queued invocation did not run to its end")
    }

    /// A runtime killed by a signal mid-invocation is named as Lambda names it (Go's wording):
    /// "signal: segmentation fault", not "signal: 11".
    func testARuntimeKilledByASignalIsNamedAsLambdaNamesIt() async throws {
        let emulator = try await start(pythonRuntime("""
            import signal
            request_id, event = next_event()
            os.kill(os.getpid(), signal.SIGSEGV)
            """), timeout: 10)
        let result = try await answer(emulator)
        XCTAssertEqual(result.errorType, "Runtime.ExitError", result.bodyText)
        XCTAssertTrue(result.bodyText.contains("signal: segmentation fault"), result.bodyText)
        XCTAssertEqual(ProcessStatus.signalled(4).description, "signal: illegal instruction")
        XCTAssertEqual(ProcessStatus.signalled(9).description, "signal: killed")
        XCTAssertEqual(ProcessStatus.signalled(64).description, "signal: signal 64")
    }

    /// Shutdown asks every runtime to stop at once: eight runtimes that ignore SIGTERM all get it
    /// before any is killed. (Each stop used to hold a thread of Swift's small task pool for the
    /// whole grace period, so on two cores the later runtimes got SIGTERM only grace periods later.)
    func testShutdownSignalsEveryRuntimeAtOnce() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sigterm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let emulator = try await start(pythonRuntime("""
            import signal
            signal.signal(signal.SIGTERM, lambda *_: open("\(directory.path)/stamp-%d" % os.getpid(), "w").write(repr(time.time())))
            open("\(directory.path)/ready-%d" % os.getpid(), "w").close()
            while True: time.sleep(0.05)
            """), timeout: 5, concurrency: 8, grace: 3)
        // Every interpreter has set its handler (eight Python starts on two cores can take seconds).
        func files(_ prefix: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasPrefix(prefix) }
        }
        let ready = await eventually(60) { files("ready-").count == 8 }
        XCTAssertTrue(ready, "\(files("ready-").count) of 8 runtimes started")
        await emulator.shutdown()
        let stamps = try files("stamp-").compactMap {
            Double(try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8))
        }
        XCTAssertEqual(stamps.count, 8, "every runtime got SIGTERM")
        let spread = (stamps.max() ?? 0) - (stamps.min() ?? 0)
        XCTAssertLessThan(spread, 1.5, "SIGTERM reached the runtimes \(spread) s apart; the grace period is 3 s")
    }

    /// A caller that sends half a request and stalls (a head promising a body that never comes, or
    /// part of a head) has its connection closed after the stalled-request time; one that waits for
    /// its invocation's answer longer than that keeps its connection and gets the answer. (Stalled
    /// connections used to stay open for good, each holding a descriptor and its buffered body.)
    func testAStalledRequestIsClosedButAWaitingCallerIsNot() async throws {
        var configuration = EmulatorConfiguration(command: pythonRuntime("""
            request_id, event = next_event()
            time.sleep(2)
            respond(request_id, b'{"slow": true}')
            time.sleep(600)
            """), timeoutSeconds: 10, handler: "echo")
        configuration.stalledRequestSeconds = 0.5
        let emulator = try await LambdaEmulator.start(configuration)
        addTeardownBlock { await emulator.shutdown() }
        for partial in ["POST /2015-03-31/functions/function/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{\"a\"",
                        "POST /2015-03-31/functions/function/inv"] {
            let descriptor = try XCTUnwrap(connectedSocket(port: emulator.port))
            defer { close(descriptor) }
            _ = partial.withCString { send(descriptor, $0, strlen($0), 0) }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var byte: UInt8 = 0
            let started = Date()
            XCTAssertEqual(recv(descriptor, &byte, 1, 0), 0, "the stalled connection was not closed: \(partial)")
            XCTAssertLessThan(Date().timeIntervalSince(started), 4.5)
        }
        // Two seconds of waiting for the answer, four times the stalled-request time.
        let reply = try await postInvocation(port: emulator.port, body: Data("{}".utf8))
        XCTAssertEqual(reply.status, 200, reply.body)
        XCTAssertEqual(jsonObject(reply.body)["slow"] as? Bool, true, reply.body)
    }
}
