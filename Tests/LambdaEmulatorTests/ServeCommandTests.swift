// `video-lambda serve` as a user runs it: invoke over HTTP, then SIGTERM stops it and its runtimes.
import Foundation
import TestServers
import XCTest

/// `video-lambda serve` running the test function, its stderr read as far as its banner.
private final class RunningServe {
    let process = Process()
    private let stderr = Pipe()
    private var banner = ""
    let port: Int

    /// `runtime`: the runtime command (the test function by default).
    init(_ arguments: [String], runtime: [String] = [TestPaths.executable("lambda-test-function")]) throws {
        process.executableURL = URL(fileURLWithPath: TestPaths.executable("video-lambda"))
        process.arguments = ["serve", "--port", "0"] + arguments + ["--"] + runtime
        process.standardError = stderr
        try process.run()
        // The first line names the endpoint (read until it arrives, bounded by the read itself).
        while !banner.contains("invoke at"), case let chunk = stderr.fileHandleForReading.availableData, !chunk.isEmpty {
            banner += String(decoding: chunk, as: UTF8.self)
        }
        guard let port = banner.firstMatch(of: #/127\.0\.0\.1:(\d+)/#).flatMap({ Int($0.1) }) else {
            process.terminate()
            throw ServeDidNotStart(banner: banner)
        }
        self.port = port
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    /// Reads (and drops) serve's standard error from now on at about 3 MB/s, as a slow log
    /// collector would, until serve exits.
    func readSlowlyInBackground() {
        let handle = stderr.fileHandleForReading
        Thread {
            while case let chunk = handle.readData(ofLength: 16_384), !chunk.isEmpty { usleep(5_000) }
        }.start()
    }

    /// SIGTERM, then its whole log once it has exited (nil if it does not within 10 s).
    func stop() async -> String? {
        kill(process.processIdentifier, SIGTERM)
        guard await eventually(10, { !self.process.isRunning }) else { return nil }
        return banner + String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}

private struct ServeDidNotStart: Error, CustomStringConvertible {
    let banner: String
    var description: String { "serve printed no endpoint: \(banner)" }
}

final class ServeCommandTests: XCTestCase {
    func testServeAnswersAndShutsDownOnSIGTERM() async throws {
        let serve = try RunningServe(["--concurrency", "2", "--handler", "pid"])
        let reply = try await postInvocation(port: serve.port, body: Data(#"{"ms":1}"#.utf8))
        XCTAssertEqual(reply.status, 200)
        let runtimePID = try XCTUnwrap(jsonObject(reply.body)["pid"] as? Int)
        XCTAssertTrue(isAlive(Int32(runtimePID)))

        let stopped = await serve.stop()
        let log = try XCTUnwrap(stopped, "serve did not exit after SIGTERM")
        XCTAssertEqual(serve.process.terminationStatus, 0)
        // Its platform lines, and on stopping the summary of what it served.
        XCTAssertTrue(log.contains("START RequestId: ") && log.contains("REPORT RequestId: "), log)
        XCTAssertTrue(log.contains("[emulator] served 1 invocation; Duration p50 "), log)
        XCTAssertFalse(isAlive(Int32(runtimePID)), "runtime \(runtimePID) outlived the emulator")
    }

    /// An Event's failure has no caller to reach: `serve` logs it, beside the runtime's own lines,
    /// which come through the emulator's pipe onto its standard error.
    func testServeLogsAFailedEventInvocation() async throws {
        let serve = try RunningServe(["--handler", "throw"])
        let event = try await postInvocation(port: serve.port, body: Data("{}".utf8), headers: ["X-Amz-Invocation-Type": "Event"])
        XCTAssertEqual(event.status, 202)
        let requestID = try XCTUnwrap(event.headers["x-amzn-requestid"])
        // One runtime: this one runs after the Event has ended.
        let after = try await postInvocation(port: serve.port, body: Data("{}".utf8))
        XCTAssertEqual(after.headers["x-amz-function-error"], "Unhandled")
        let stopped = await serve.stop()
        let log = try XCTUnwrap(stopped, "serve did not exit after SIGTERM")
        XCTAssertTrue(log.contains("[emulator] Event invocation \(requestID) failed (Function.InvalidEvent): "), log)
        // Lambda tries it again in a minute; stopped before, the emulator says the retry is dropped.
        XCTAssertTrue(log.contains("; trying it again in 60.00 s (attempt 2 of 3)"), log)
        XCTAssertTrue(log.contains("[emulator] 1 failed Event invocation not tried again: the emulator is stopping (\(requestID))"), log)
        XCTAssertTrue(log.contains("the test handler was asked to fail"), log)
    }

    /// A runtime whose output never pauses (a child writing without end), read slowly: the
    /// emulator still answers. (Draining the runtime's pipe held a lock until the pipe was empty,
    /// which it never was: no invocation was answered, and no timeout fired.)
    func testARuntimeThatWritesWithoutPauseDoesNotStopTheEmulator() async throws {
        let runtime = """
            import os, subprocess, urllib.request
            api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
            subprocess.Popen(["yes", "output without end"])
            while True:
                with urllib.request.urlopen(api + "next") as r:
                    request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
                urllib.request.urlopen(urllib.request.Request(api + request_id + "/response", data=b'"ok"', method="POST")).read()
            """
        let serve = try RunningServe(["--timeout", "5"], runtime: ["/usr/bin/env", "python3", "-c", runtime])
        serve.readSlowlyInBackground()
        for _ in 0..<3 {
            let reply = try await postInvocation(port: serve.port, body: Data("{}".utf8))
            XCTAssertEqual(reply.status, 200, reply.body)
            XCTAssertEqual(reply.body, #""ok""#)
        }
        kill(serve.process.processIdentifier, SIGTERM)
        let stopped = await eventually(10) { !serve.process.isRunning }
        XCTAssertTrue(stopped, "serve did not exit after SIGTERM")
    }

    /// Settings out of range end `serve` (and `invoke`, and the benchmarks) at once with a message naming them (a port of 99999 used to
    /// listen on 34463, a concurrency of 0 to report "0 runtimes", a timeout of 1e300 to overflow).
    func testSettingsOutOfRangeAreErrors() throws {
        let cases: [([String], String)] = [
            (["--port", "99999"], "port 99999 is not 0"),
            (["--concurrency", "0"], "concurrency 0 is not 1 to 1000"),
            (["--timeout", "1e300"], "at most 900 s"),
            (["--timeout", "nan"], "is not above 0"),
            (["--memory", "64"], "memory 64 MB is not 128 to 10240 MB"),
            (["--event-retries", "3"], "event retries 3 is not 0 to 2"),
        ]
        // invoke's timeout makes the deadline in process: 1e300 s stopped it with an overflow.
        let invoke: [([String], String)] = [(["--timeout", "1e300"], "--timeout 1e+300 is not above 0 and at most 900 seconds"),
                                            (["--emulated", "--memory", "64"], "memory 64 MB is not 128 to 10240 MB"),
                                            (["--memory", "3008"], "--memory is for --emulated runs")]
        // A benchmark's counts: `bench engine --batch16-runs 0` stopped with a trap (a median of nothing).
        let bench: [([String], String)] = [
            (["engine", "--batch16-runs", "0"], "--batch16-runs must be at least 1, not 0"),
            (["runtime", "--raw-loop", "/dev/null", "--cold-starts", "0"], "--cold-starts must be at least 1, not 0"),
            (["functions", "--invocations=-2"], "--invocations must be at least 1, not -2"),
            (["video", "--repetitions", "0"], "--repetitions must be at least 1, not 0"),
        ]
        for (options, expected) in cases.map({ (["serve"] + $0.0 + ["--", TestPaths.executable("lambda-test-function")], $0.1) })
            + invoke.map({ (["invoke", "--event", TestPaths.repoRoot.appendingPathComponent("functions/echo/events/sample.json").path] + $0.0, $0.1) }) + bench.map({ (["bench"] + $0.0, $0.1) }) {
            let run = try CommandRun.run(TestPaths.executable("video-lambda"), options)
            XCTAssertNotEqual(run.status, 0, "\(options)")
            XCTAssertTrue(run.output.contains(expected), "\(options): \(run.output)")
        }
    }

    /// An event over Lambda's 6 MB request limit is refused by `invoke`, in process and emulated,
    /// as the invoke endpoint refuses it (413), rather than run.
    func testInvokeRefusesAnEventLambdaWouldNotTake() throws {
        let event = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(UUID().uuidString).json")
        try Data(("{\"pad\":\"" + String(repeating: "x", count: 6_291_456) + "\"}").utf8).write(to: event)
        defer { try? FileManager.default.removeItem(at: event) }
        for extra in [[], ["--emulated"]] {
            let run = try CommandRun.run(TestPaths.executable("video-lambda"), ["invoke", "--event", event.path, "--function", "echo"] + extra)
            XCTAssertNotEqual(run.status, 0, "\(extra)")
            XCTAssertTrue(run.output.contains("is 6291466 bytes; Lambda takes events of at most 6291456 bytes"), run.output)
        }
    }

    /// `invoke --emulated` runs the real bootstrap under the emulator with the memory asked for, in
    /// the region of the caller's AWS profile when no region variable is set, and prints the
    /// function's answer.
    func testInvokeEmulatedRunsTheBootstrap() throws {
        let event = FileManager.default.temporaryDirectory.appendingPathComponent("emulated-\(UUID().uuidString).json")
        try Data(#"{"video": "file:///tmp/a.mp4"}"#.utf8).write(to: event)
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("emulated-config-\(UUID().uuidString)")
        try Data("[profile dev]\nregion = eu-north-1\n".utf8).write(to: config)
        defer { for file in [event, config] { try? FileManager.default.removeItem(at: file) } }
        let run = try CommandRun.run(TestPaths.executable("video-lambda"),
                                     ["invoke", "--event", event.path, "--function", "echo", "--emulated", "--memory", "1769"],
                                     environment: ["AWS_CONFIG_FILE": config.path, "AWS_PROFILE": "dev"],
                                     unset: ["AWS_REGION", "AWS_DEFAULT_REGION"], errors: false)
        let output = run.output
        XCTAssertEqual(run.status, 0, output)
        XCTAssertEqual((jsonObject(output)["event"] as? [String: String])?["video"], "file:///tmp/a.mp4", output)
        let arn = jsonObject(output)["functionArn"] as? String ?? ""
        XCTAssertTrue(arn.hasPrefix("arn:aws:lambda:eu-north-1:") && arn.hasSuffix(":function:echo"), output)
    }
}
