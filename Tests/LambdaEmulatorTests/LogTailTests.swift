// X-Amz-Log-Type: Tail on the invoke endpoint: the end of the invocation's own log (START, what
// the runtime wrote, END, REPORT), base64 in X-Amz-Log-Result, as `aws lambda invoke --log-type
// Tail` reads it.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
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

    /// An init that failed before the invocation came is tried again in its invoke phase: the new
    /// process's own lines (usually why init failed) are in the tail. (The process started before
    /// the tail began, and its first lines went only to the emulator's log.)
    func testAnInvokePhaseInitsLinesAreInTheTail() async throws {
        let runtime = """
            import os, sys, urllib.request
            print("init line from process", os.getpid(), flush=True)
            api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/init/error"
            body = b'{"errorType": "Runtime.BadInit", "errorMessage": "no model"}'
            urllib.request.urlopen(urllib.request.Request(api, data=body, method="POST")).read()
            sys.exit(1)
            """
        var configuration = EmulatorConfiguration(command: ["/usr/bin/env", "python3", "-c", runtime], timeoutSeconds: 10,
                                                  functionName: "bad-init", shutdownGraceSeconds: 1)
        configuration.platformLog = PlatformLog(format: .text) { _ in }
        let emulator = try await LambdaEmulator.start(configuration)
        shutDownAfterTest(emulator)
        // The first init fails before any invocation: the next one has it tried again.
        let failedOnce = await eventually(10) { await emulator.platformReportSummary().failedInits >= 1 }
        XCTAssertTrue(failedOnce)
        let (reply, log) = try await invokeWithTail(emulator, "{}")
        XCTAssertEqual(reply.headers["x-amz-function-error"], "Unhandled")
        XCTAssertTrue(log.hasPrefix("START RequestId: "), log)
        XCTAssertTrue(log.contains("init line from process"), log)
        XCTAssertTrue(log.contains("END RequestId: ") && log.contains("REPORT RequestId: "), log)
    }

    /// A runtime the emulator did not start answers and then does not ask for work again: its
    /// invoke phase ends at the deadline, and the Tail caller gets the log then, END and REPORT
    /// included (it waited for a next GET next that might never come).
    func testAnExternalRuntimeThatStopsAskingEndsItsTailAtTheDeadline() async throws {
        var configuration = EmulatorConfiguration(command: [], timeoutSeconds: 2, functionName: "external-tail")
        configuration.platformLog = PlatformLog(format: .text) { _ in }
        let emulator = try await LambdaEmulator.start(configuration)
        shutDownAfterTest(emulator)
        let api = "http://\(emulator.runtimeAPIAddresses[0])/2018-06-01/runtime/invocation/"
        async let tail = invokeWithTail(emulator, "{}")
        let (_, next) = try await URLSession.shared.data(from: URL(string: api + "next")!)
        let requestID = try XCTUnwrap((next as? HTTPURLResponse)?.value(forHTTPHeaderField: "Lambda-Runtime-Aws-Request-Id"))
        var response = URLRequest(url: URL(string: api + requestID + "/response")!)
        response.httpMethod = "POST"
        response.httpBody = Data(#""answered""#.utf8)
        _ = try await URLSession.shared.data(for: response)
        // (Without the deadline the caller's request runs into its own 60 s timeout and throws.)
        let (reply, log) = try await tail
        XCTAssertEqual(reply.body, #""answered""#)
        XCTAssertTrue(log.hasPrefix("START RequestId: \(requestID)"), log)
        XCTAssertTrue(log.contains("END RequestId: \(requestID)") && log.contains("REPORT RequestId: \(requestID)"), log)
    }

    /// A runtime that leaves a daemon behind (outside its process group, holding its output pipe)
    /// does not leave the pipe's reader behind: it stops once the runtime has exited.
    func testADaemonHoldingTheOutputPipeDoesNotKeepItsReader() async throws {
        let pids = FileManager.default.temporaryDirectory.appendingPathComponent("daemons-\(UUID().uuidString)").path
        defer {
            for pid in ((try? String(contentsOfFile: pids, encoding: .utf8)) ?? "").split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
            try? FileManager.default.removeItem(atPath: pids)
        }
        let runtime = """
            import os, subprocess, sys, urllib.request
            api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
            daemon = subprocess.Popen(["sleep", "60"], start_new_session=True)
            with open(\(String(reflecting: pids)), "a") as f: f.write(str(daemon.pid) + "\\n")
            with urllib.request.urlopen(api + "next") as r:
                request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
            urllib.request.urlopen(urllib.request.Request(api + request_id + "/response", data=b'"ok"', method="POST")).read()
            sys.exit(0)
            """
        func readers() -> Int {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
            return tasks.filter { (try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8))?.hasPrefix("runtime-output") == true }.count
        }
        let before = readers()
        let emulator = try await LambdaEmulator.start(EmulatorConfiguration(command: ["/usr/bin/env", "python3", "-c", runtime],
                                                                            functionName: "daemons", shutdownGraceSeconds: 1))
        shutDownAfterTest(emulator)
        for _ in 0..<3 {
            let reply = try await postInvocation(port: emulator.port, body: Data("{}".utf8))
            XCTAssertEqual(reply.body, #""ok""#)
        }
        // Each exited runtime's reader ends; the runtime now serving has one.
        let settled = await eventually(10) { readers() <= before + 1 }
        XCTAssertTrue(settled, "\(readers() - before) pipe readers for 1 live runtime")
    }
}
