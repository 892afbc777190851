// The platform's lines around each invocation, as Lambda writes them to a function's log: START,
// END and REPORT (platform.start and platform.report with JSON logs), with the runtime process's
// real peak memory, its init on its first invocation only, and how the invocation ended.
import Foundation
@testable import LambdaEmulator
import XCTest

final class PlatformLogTests: EmulatorTestCase {
    private func start(_ handler: String, timeout: Double = 10, format: PlatformLog.Format = .text) async throws -> (LambdaEmulator, Lines) {
        let lines = Lines()
        var configuration = EmulatorConfiguration(command: [TestPaths.executable("lambda-test-function")], timeoutSeconds: timeout,
                                                  memoryMB: 1024, functionName: "test-\(handler)", handler: handler, shutdownGraceSeconds: 1)
        configuration.platformLog = PlatformLog(format: format) { lines.append($0) }
        let emulator = try await LambdaEmulator.start(configuration)
        shutDownAfterTest(emulator)
        return (emulator, lines)
    }

    /// A REPORT line's fields by name ("Duration" → "12.34 ms"; "REPORT RequestId" → the id).
    private func fields(of report: String) -> [String: String] {
        var fields: [String: String] = [:]
        for field in report.split(separator: "\t") {
            let parts = field.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }

    /// The REPORT lines once there are `count` of them (or after 5 s): a report is written when the
    /// invoke phase ends, on the emulator's loop, which may be just after the caller has its answer.
    private func reports(_ lines: Lines, count: Int) async -> [String] {
        _ = await eventually(5) { lines.all.filter { $0.hasPrefix("REPORT") }.count >= count }
        return lines.all.filter { $0.hasPrefix("REPORT") }
    }

    private func milliseconds(_ value: String?) -> Double? { value.flatMap { Double($0.replacingOccurrences(of: " ms", with: "")) } }
    private func megabytes(_ value: String?) -> Int? { value.flatMap { Int($0.replacingOccurrences(of: " MB", with: "")) } }

    func testReportsGiveThePeakMemoryTheInitOnceAndTheBilledDuration() async throws {
        let (emulator, lines) = try await start("allocate")
        for _ in 0..<2 {
            let result = try await emulator.invoke(Array(#"{"mb": 96}"#.utf8))
            XCTAssertNil(result.functionError, result.bodyText)
        }
        _ = await reports(lines, count: 2)
        let written = lines.all
        XCTAssertEqual(written.count, 6, "\(written)")
        guard written.count == 6 else { return }
        for invocation in [written[0..<3], written[3..<6]] {
            let lines = Array(invocation)
            XCTAssertTrue(lines[0].hasPrefix("START RequestId: ") && lines[0].hasSuffix(" Version: $LATEST"), lines[0])
            let requestID = String(lines[0].dropFirst("START RequestId: ".count).prefix { $0 != " " })
            XCTAssertEqual(lines[1], "END RequestId: \(requestID)")
            XCTAssertTrue(lines[2].hasPrefix("REPORT RequestId: \(requestID)\t") && lines[2].hasSuffix("\t"), lines[2])
        }
        let first = fields(of: written[2]), second = fields(of: written[5])
        XCTAssertEqual(first["Memory Size"], "1024 MB")
        // The handler touched 96 MB: the peak holds it, and is far from the configured size RIE prints.
        for report in [first, second] {
            let used = try XCTUnwrap(megabytes(report["Max Memory Used"]), "\(report)")
            XCTAssertGreaterThanOrEqual(used, 96)
            XCTAssertLessThan(used, 512)
            XCTAssertNil(report["Status"], "\(report)")
        }
        let initMs = try XCTUnwrap(milliseconds(first["Init Duration"]), "the first invocation of a process reports its init: \(first)")
        XCTAssertGreaterThan(initMs, 0)
        XCTAssertNil(second["Init Duration"], "only the first invocation of a process reports its init")
        let duration = try XCTUnwrap(milliseconds(first["Duration"]))
        // Billed: duration and init, rounded up (the printed figures are themselves rounded to 0.01 ms).
        XCTAssertEqual(Int(try XCTUnwrap(milliseconds(first["Billed Duration"]))), Int((duration + initMs).rounded(.up)), accuracy: 1, "\(first)")
        XCTAssertEqual(Int(try XCTUnwrap(milliseconds(second["Billed Duration"]))),
                       Int(try XCTUnwrap(milliseconds(second["Duration"])).rounded(.up)), accuracy: 1)
    }

    func testATimeoutAndAnExitAreNamedAndAFunctionErrorIsAnOrdinaryEnd() async throws {
        let (sleeper, sleeperLines) = try await start("sleep", timeout: 1)
        _ = try await sleeper.invoke(Array(#"{"ms": 3000}"#.utf8))
        let timeoutReports = await reports(sleeperLines, count: 1)
        let report = try XCTUnwrap(timeoutReports.last)
        let timeoutLines = sleeperLines.all
        let timedOut = fields(of: report)
        XCTAssertTrue(report.hasSuffix("\tStatus: timeout"), report)
        XCTAssertEqual(timedOut["Duration"], "1000.00 ms", "a timeout lasts the timeout, as Lambda reports it")
        XCTAssertNotNil(megabytes(timedOut["Max Memory Used"]), "read before the process is killed: \(timedOut)")
        let requestID = try XCTUnwrap(timedOut["REPORT RequestId"])
        XCTAssertTrue(timeoutLines.contains { $0.hasSuffix(" \(requestID) Task timed out after 1.00 seconds") }, "\(timeoutLines)")
        // The replacement process's first invocation carries its own init.
        _ = try await sleeper.invoke(Array(#"{"ms": 1}"#.utf8))
        let nextReports = await reports(sleeperLines, count: 2)
        let next = fields(of: try XCTUnwrap(nextReports.last))
        XCTAssertNotEqual(next["REPORT RequestId"], requestID)
        XCTAssertNotNil(milliseconds(next["Init Duration"]), "\(next)")
        XCTAssertNil(next["Status"], "\(next)")

        let (exiting, exitingLines) = try await start("exit")
        let exited = try await exiting.invoke(Array("{}".utf8))
        XCTAssertEqual(exited.errorType, "Runtime.ExitError")
        let exitReports = await reports(exitingLines, count: 1)
        let exitReport = try XCTUnwrap(exitReports.last)
        XCTAssertTrue(exitReport.hasSuffix("\tStatus: error\tError Type: Runtime.ExitError"), exitReport)
        XCTAssertGreaterThan(try XCTUnwrap(megabytes(fields(of: exitReport)["Max Memory Used"]), "from the ended process's resource usage"), 0)

        let (throwing, throwingLines) = try await start("throw")
        let failed = try await throwing.invoke(Array("{}".utf8))
        XCTAssertEqual(failed.errorType, "Function.InvalidEvent")
        // The report is written when the runtime asks for its next invocation.
        let throwReports = await reports(throwingLines, count: 1)
        let ordinary = try XCTUnwrap(throwReports.last)
        XCTAssertNil(fields(of: ordinary)["Status"], ordinary)
        XCTAssertTrue(ordinary.hasSuffix(" ms\t"), "figures only, each with its tab: \(ordinary)")
    }

    func testReportLinesAreLambdasToTheCharacter() {
        var report = PlatformLog.Report(requestID: "r-1", durationMs: 12.345, initDurationMs: 5.5, memorySizeMB: 1024,
                                        maxMemoryUsedMB: 40, status: .success)
        XCTAssertEqual(PlatformLog.textReport(report),
                       "REPORT RequestId: r-1\tDuration: 12.35 ms\tBilled Duration: 18 ms\tMemory Size: 1024 MB\tMax Memory Used: 40 MB\tInit Duration: 5.50 ms\t")
        XCTAssertEqual(PlatformLog.jsonReport(report),
                       #"{"requestId":"r-1","metrics":{"durationMs":12.345,"billedDurationMs":18,"memorySizeMB":1024,"maxMemoryUsedMB":40,"initDurationMs":5.500},"status":"success"}"#)
        report.initDurationMs = nil
        report.status = .timeout
        report.durationMs = 3000
        XCTAssertEqual(PlatformLog.textReport(report),
                       "REPORT RequestId: r-1\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 1024 MB\tMax Memory Used: 40 MB\tStatus: timeout")
        report.status = .runtimeError(type: "Runtime.ExitError")
        XCTAssertTrue(PlatformLog.textReport(report).hasSuffix("MB\tStatus: error\tError Type: Runtime.ExitError"))
        XCTAssertTrue(PlatformLog.jsonReport(report).hasSuffix(#""status":"error","errorType":"Runtime.ExitError"}"#))
        report.status = .functionError(type: "Function.InvalidEvent")
        XCTAssertTrue(PlatformLog.textReport(report).hasSuffix("Max Memory Used: 40 MB\t"), "a function's error is an ordinary end")
        XCTAssertEqual(PlatformLog.status(of: .failure([], errorType: "Runtime.Unknown"), answeredByRuntime: true), .functionError(type: "Runtime.Unknown"))
        XCTAssertEqual(PlatformLog.status(of: .timedOut(requestID: "r", seconds: 1), answeredByRuntime: false), .timeout)
    }

    func testJSONLogsGetPlatformRecords() async throws {
        let (emulator, lines) = try await start("echo", format: .json)
        let result = try await emulator.invoke(Array(#"{"a": 1}"#.utf8))
        XCTAssertNil(result.functionError, result.bodyText)
        _ = await eventually(5) { lines.all.count >= 2 }
        let records = try lines.all.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], $0) }
        XCTAssertEqual(records.map { $0["type"] as? String }, ["platform.start", "platform.report"])
        let start = try XCTUnwrap(records[0]["record"] as? [String: Any])
        let report = try XCTUnwrap(records[1]["record"] as? [String: Any])
        XCTAssertEqual(start["version"] as? String, "$LATEST")
        XCTAssertEqual(start["functionArn"] as? String, "arn:aws:lambda:\(emulator.configuration.region):000000000000:function:test-echo")
        XCTAssertEqual(start["requestId"] as? String, report["requestId"] as? String)
        XCTAssertEqual(report["status"] as? String, "success")
        let metrics = try XCTUnwrap(report["metrics"] as? [String: Any])
        XCTAssertEqual(metrics["memorySizeMB"] as? Int, 1024)
        XCTAssertGreaterThan(try XCTUnwrap(metrics["maxMemoryUsedMB"] as? Int), 0)
        XCTAssertNotNil(metrics["initDurationMs"] as? Double)
        XCTAssertNotNil(metrics["billedDurationMs"] as? Int)
        for record in records {
            let time = try XCTUnwrap(record["time"] as? String)
            XCTAssertNotNil(ISO8601DateFormatter.withFractionalSeconds.date(from: time), time)
        }
    }

    func testTheSummaryAddsUpTheReports() {
        var summary = ReportSummary()
        XCTAssertNil(summary.text, "nothing served, nothing to say")
        let reports: [(Double, Double?, Int, PlatformLog.Status)] = [
            (100, 250, 150, .success), (300, nil, 160, .functionError(type: "Function.InvalidEvent")),
            (200, nil, 155, .success), (1000, nil, 170, .timeout),
        ]
        for (duration, initMs, used, status) in reports {
            summary.add(.init(requestID: "r", durationMs: duration, initDurationMs: initMs, memorySizeMB: 2048, maxMemoryUsedMB: used, status: status))
        }
        // Billed: 350 + 300 + 200 + 1000 ms; at 2 GB that is 3.7 GB-s.
        XCTAssertEqual(summary.text, "4 invocations (1 Function.InvalidEvent, 1 timeout); Duration p50 200.0 ms, p95 1000.0 ms, max 1000.0 ms; "
                       + "billed 1850 ms, 3.700 GB-s at 2048 MB; Max Memory Used 170 MB; 1 init, p50 250.0 ms")
        summary.addFailedInit()
        XCTAssertTrue(summary.text?.hasSuffix("; 1 init, p50 250.0 ms; 1 failed init") == true, summary.text ?? "")
        var failing = ReportSummary()
        failing.addFailedInit()
        failing.addFailedInit()
        XCTAssertEqual(failing.text, "0 invocations; 2 failed inits")
        XCTAssertEqual(ReportSummary.percentile([5, 1, 4, 2, 3], 0.5), 3)
        XCTAssertEqual(ReportSummary.percentile(Array(1...20).map(Double.init), 0.95), 19)
    }

    /// An init that fails gets Lambda's INIT_REPORT line (with the type of the init error the
    /// runtime posted, else Runtime.ExitError; a timeout lasts exactly its limit). The invocation
    /// that waited for it has the init tried again in its invoke phase, as Lambda does: START, a
    /// second INIT_REPORT (Phase: invoke), then END and a REPORT with the failure's status and no
    /// Init Duration. (The emulator starts a runtime at once: one that fails before the invocation
    /// arrives was the sandbox's init phase, and the invocation goes straight to the retry.)
    func testAFailedInitGetsAnInitReportAndIsTriedAgainInTheInvokePhase() async throws {
        func initReport(_ phase: String, _ type: String) -> Regex<Substring> {
            try! Regex("INIT_REPORT Init Duration: \\d+\\.\\d\\d ms\tPhase: \(phase)\tStatus: error\tError Type: \(type.replacingOccurrences(of: ".", with: "\\."))")
        }
        func assertRetried(_ lines: [String], type: String, line: UInt = #line) {
            XCTAssertEqual(lines.count, 5, "two inits, as in Lambda: \(lines)", line: line)
            let last = Array(lines.suffix(5))
            guard last.count == 5 else { return }
            XCTAssertNotNil(last[0].wholeMatch(of: initReport("init", type)), last[0], line: line)
            XCTAssertTrue(last[1].hasPrefix("START RequestId: "), last[1], line: line)
            let requestID = String(last[1].dropFirst("START RequestId: ".count).prefix { $0 != " " })
            XCTAssertNotNil(last[2].wholeMatch(of: initReport("invoke", type)), last[2], line: line)
            XCTAssertEqual(last[3], "END RequestId: \(requestID)", line: line)
            XCTAssertTrue(last[4].hasPrefix("REPORT RequestId: \(requestID)\t") && last[4].hasSuffix("\tStatus: error\tError Type: \(type)"), last[4], line: line)
            XCTAssertFalse(last[4].contains("Init Duration"), "the invoke phase's init is part of its Duration: \(last[4])", line: line)
        }
        let (posting, postingLines) = try await start("init-fail")
        let posted = try await posting.invoke(Array("{}".utf8))
        XCTAssertEqual(posted.errorType, "Function.ModelLoadFailed", posted.bodyText)
        assertRetried(await reportsWritten(postingLines), type: "Function.ModelLoadFailed")

        let exitLines = Lines()
        let exiting = try await startCommand(["/bin/sh", "-c", "exit 3"], lines: exitLines)
        let exited = try await exiting.invoke(Array("{}".utf8))
        XCTAssertEqual(exited.errorType, "Runtime.ExitError", exited.bodyText)
        assertRetried(await reportsWritten(exitLines), type: "Runtime.ExitError")

        // An init that never asks for work: its init limit (1 s here), then the invocation's timeout.
        let hangLines = Lines()
        let hanging = try await startCommand(["/bin/sleep", "60"], lines: hangLines, initLimit: 1)
        let hung = try await hanging.invoke(Array("{}".utf8))
        XCTAssertEqual(hung.errorType, "Sandbox.Timedout", hung.bodyText)
        let written = await reportsWritten(hangLines)
        XCTAssertEqual(written.count, 6, "\(written)")
        if written.count == 6 {
            XCTAssertEqual(written[0], "INIT_REPORT Init Duration: 1000.00 ms\tPhase: init\tStatus: timeout")
            XCTAssertEqual(written[2], "INIT_REPORT Init Duration: 1000.00 ms\tPhase: invoke\tStatus: timeout")
            XCTAssertTrue(written[3].hasSuffix(" Task timed out after 1.00 seconds"), written[3])
            XCTAssertTrue(written[5].hasSuffix("\tStatus: timeout") && written[5].contains("Duration: 1000.00 ms"), written[5])
        }

        let (json, jsonLines) = try await start("init-fail", format: .json)
        _ = try await json.invoke(Array("{}".utf8))
        let records = await reportsWritten(jsonLines, prefix: "{").map { jsonObject($0) }
        let initReports = records.filter { $0["type"] as? String == "platform.initReport" }.compactMap { $0["record"] as? [String: Any] }
        XCTAssertEqual(initReports.suffix(2).map { $0["phase"] as? String }, ["init", "invoke"], "\(records)")
        for fields in initReports {
            XCTAssertEqual(fields["initializationType"] as? String, "on-demand")
            XCTAssertEqual(fields["status"] as? String, "error")
            XCTAssertEqual(fields["errorType"] as? String, "Function.ModelLoadFailed")
            XCTAssertGreaterThan((fields["metrics"] as? [String: Any])?["durationMs"] as? Double ?? 0, 0)
        }
        XCTAssertEqual(records.last?["type"] as? String, "platform.report", "\(records)")
    }

    /// A retried init that succeeds serves the invocation it was started for: one START, the
    /// function's answer, a REPORT with a success status and no Init Duration.
    func testARetriedInitThatSucceedsServesTheWaitingInvocation() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("first-init-\(UUID().uuidString)").path
        defer { for file in [marker, marker + ".go"] { try? FileManager.default.removeItem(atPath: file) } }
        // The first process fails its init once the invocation waits for it (the test says when, by
        // making the .go file); every one after it starts the echo handler.
        let script = "if [ -e \"$1\" ]; then exec \"$2\"; else touch \"$1\"; while [ ! -e \"$1.go\" ]; do sleep 0.01; done; exit 3; fi"
        let lines = Lines()
        var configuration = EmulatorConfiguration(command: ["/bin/sh", "-c", script, "sh", marker, TestPaths.executable("lambda-test-function")],
                                                  timeoutSeconds: 10, functionName: "test-retry", handler: "echo", shutdownGraceSeconds: 1)
        configuration.platformLog = PlatformLog(format: .text) { lines.append($0) }
        let emulator = try await LambdaEmulator.start(configuration)
        shutDownAfterTest(emulator)
        let invocation = Task { try await emulator.invoke(Array(#"{"n": 1}"#.utf8)) }
        let queued = await eventually { await emulator.onLoop { !emulator.queue.isEmpty } }
        XCTAssertTrue(queued, "the invocation did not wait for the first init")
        FileManager.default.createFile(atPath: marker + ".go", contents: nil)
        let result = try await invocation.value
        XCTAssertNil(result.functionError, result.bodyText)
        XCTAssertTrue(result.bodyText.contains(#""n""#), result.bodyText)
        let written = await reportsWritten(lines)
        let starts = written.filter { $0.hasPrefix("START") }, reports = written.filter { $0.hasPrefix("REPORT") }
        XCTAssertEqual(starts.count, 1, "\(written)")
        XCTAssertEqual(reports.count, 1, "\(written)")
        XCTAssertTrue(written.first?.hasPrefix("INIT_REPORT") == true && written.first?.contains("Phase: init") == true, "\(written)")
        XCTAssertFalse(written.contains { $0.contains("Phase: invoke") }, "the retry did not fail: \(written)")
        XCTAssertFalse(reports.first?.contains("Init Duration") ?? true, "\(written)")
        XCTAssertFalse(reports.first?.contains("Status:") ?? true, "\(written)")
        // The sandbox then serves as usual: the next invocation goes to the same process.
        let again = try await emulator.invoke(Array(#"{"n": 2}"#.utf8))
        XCTAssertNil(again.functionError, again.bodyText)
        let started = await emulator.startedPIDs()
        XCTAssertEqual(started.count, 2)
    }

    /// With another runtime still starting, a failed init is not retried for the waiting
    /// invocation: that runtime takes it, as an ordinary invocation (no invoke-phase init), rather
    /// than the invocation waiting on a retry while another runtime sits idle.
    func testAFailedInitIsNotRetriedForAnInvocationAnotherRuntimeWillTake() async throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("two-inits-\(UUID().uuidString)").path
        defer { for file in [base + ".lock", base + ".go", base + ".go2"] { try? FileManager.default.removeItem(atPath: file) } }
        // The first process to take the lock fails its init on .go; every other starts the echo handler on .go2.
        let script = """
            if mkdir "$1.lock" 2>/dev/null; then while [ ! -e "$1.go" ]; do sleep 0.01; done; exit 3; fi
            while [ ! -e "$1.go2" ]; do sleep 0.01; done; exec "$2"
            """
        let lines = Lines()
        var configuration = EmulatorConfiguration(command: ["/bin/sh", "-c", script, "sh", base, TestPaths.executable("lambda-test-function")],
                                                  concurrency: 2, timeoutSeconds: 10, functionName: "test-two", handler: "echo", shutdownGraceSeconds: 1)
        configuration.platformLog = PlatformLog(format: .text) { lines.append($0) }
        let emulator = try await LambdaEmulator.start(configuration)
        shutDownAfterTest(emulator)
        let invocation = Task { try await emulator.invoke(Array(#"{"n": 1}"#.utf8)) }
        let queued = await eventually { await emulator.onLoop { !emulator.queue.isEmpty } }
        XCTAssertTrue(queued)
        FileManager.default.createFile(atPath: base + ".go", contents: nil)
        let failed = await eventually { lines.all.contains { $0.hasPrefix("INIT_REPORT") } }
        XCTAssertTrue(failed, "\(lines.all)")
        FileManager.default.createFile(atPath: base + ".go2", contents: nil)
        let result = try await invocation.value
        XCTAssertNil(result.functionError, result.bodyText)
        let written = await reportsWritten(lines)
        XCTAssertFalse(written.contains { $0.contains("Phase: invoke") }, "\(written)")
        let report = written.first { $0.hasPrefix("REPORT") } ?? ""
        XCTAssertTrue(report.contains("Init Duration: "), "served by a runtime of its own init phase: \(written)")
    }

    /// The lines once a REPORT (or the last record) is among them, or after 5 s: the invocation's
    /// END and REPORT are written just after its caller has the answer.
    private func reportsWritten(_ lines: Lines, prefix: String = "REPORT") async -> [String] {
        _ = await eventually(5) { lines.all.contains { $0.hasPrefix(prefix == "{" ? "{\"time\"" : prefix) && (prefix != "{" || $0.contains("platform.report")) } }
        return lines.all
    }

    private func startCommand(_ command: [String], lines: Lines, initLimit: Double = 10) async throws -> LambdaEmulator {
        var configuration = EmulatorConfiguration(command: command, timeoutSeconds: 1, functionName: "test-init", shutdownGraceSeconds: 1)
        configuration.initLimitSeconds = initLimit
        configuration.platformLog = PlatformLog(format: .text) { lines.append($0) }
        let emulator = try await LambdaEmulator.start(configuration)
        shutDownAfterTest(emulator)
        return emulator
    }

    func testTheFormatFollowsTheFunctionsLogFormat() {
        XCTAssertEqual(PlatformLog.format(forRuntimeEnvironment: ["AWS_LAMBDA_LOG_FORMAT": "JSON"]), .json)
        XCTAssertEqual(PlatformLog.format(forRuntimeEnvironment: ["AWS_LAMBDA_LOG_FORMAT": "Text"]), .text)
        XCTAssertEqual(PlatformLog.format(forRuntimeEnvironment: [:]), .text)
    }
}

private extension ISO8601DateFormatter {
    static var withFractionalSeconds: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
