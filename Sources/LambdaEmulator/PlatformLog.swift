// What Lambda writes to a function's log around each invocation: START, END and REPORT lines (with
// JSON logs, platform.start and platform.report records), and INIT_REPORT for an init that failed. REPORT carries the runtime process's real
// peak memory: the Runtime Interface Emulator prints the configured memory size there, which tells
// a user sizing a function nothing.
import Foundation

/// Writes the platform's lines for the invocations of one emulated function.
public struct PlatformLog: Sendable {
    public enum Format: Sendable { case text, json }

    /// How an invocation ended, as REPORT gives it.
    enum Status: Equatable {
        case success
        /// The function's error, posted by the runtime: an ordinary end in Lambda's text REPORT.
        case functionError(type: String)
        /// The runtime failed it: exited, asked for more work without answering, or was stopped.
        case runtimeError(type: String)
        case timeout
    }

    /// One REPORT's figures.
    struct Report {
        var requestID: String
        var durationMs: Double
        /// The process's init, in the report of the first invocation it served; nil after.
        var initDurationMs: Double?
        var memorySizeMB: Int
        /// The runtime process's peak resident memory so far; nil for a runtime the emulator did not start.
        var maxMemoryUsedMB: Int?
        var status: Status

        /// Lambda bills whole milliseconds, rounded up, and a cold invocation's init with it.
        var billedDurationMs: Int { Int((durationMs + (initDurationMs ?? 0)).rounded(.up)) }
    }

    let format: Format
    let write: @Sendable (String) -> Void

    /// `write` takes one whole line (without its newline).
    public init(format: Format, write: @escaping @Sendable (String) -> Void) {
        self.format = format
        self.write = write
    }

    /// Lines to the emulator's standard error, where the runtime processes' output goes too. A
    /// standard error that is gone (a closed pipe) loses the lines, not the emulator.
    public static func standardError(format: Format) -> PlatformLog {
        PlatformLog(format: format) { line in try? FileHandle.standardError.write(contentsOf: Data((line + "\n").utf8)) }
    }

    /// Lines to standard error in the log format `configuration`'s runtime is given.
    public static func standardError(for configuration: EmulatorConfiguration) -> PlatformLog {
        let environment = configuration.lambdaEnvironment(runtimeAPI: "", inherited: ProcessInfo.processInfo.environment)
        return standardError(format: format(forRuntimeEnvironment: environment))
    }

    /// JSON when the function's log format (AWS_LAMBDA_LOG_FORMAT, as the runtime sees it) is JSON.
    public static func format(forRuntimeEnvironment environment: [String: String]) -> Format {
        environment["AWS_LAMBDA_LOG_FORMAT"]?.uppercased() == "JSON" ? .json : .text
    }

    /// The invocation's START; `tail`, when its caller asked for the log, gets the line too (as
    /// do the invocation's other lines).
    func start(requestID: String, functionARN: String, tail: InvocationLogTail? = nil) {
        switch format {
        case .text: write("START RequestId: \(requestID) Version: $LATEST", tail)
        case .json:
            write(Self.record("platform.start", "{\"requestId\":\(quoted(requestID)),\"functionArn\":\(quoted(functionARN)),\"version\":\"$LATEST\"}"), tail)
        }
    }

    /// The line Lambda adds to a text log when an invocation times out (the caller's error says the same).
    func timedOut(requestID: String, seconds: Double, tail: InvocationLogTail? = nil) {
        guard format == .text else { return }
        write("\(Self.timestamp(Date())) \(requestID) Task timed out after \(InvocationResult.formatSeconds(seconds)) seconds", tail)
    }

    func end(_ report: Report, tail: InvocationLogTail? = nil) {
        switch format {
        case .text:
            write("END RequestId: \(report.requestID)", tail)
            write(Self.textReport(report), tail)
        case .json:
            write(Self.record("platform.report", Self.jsonReport(report)), tail)
        }
    }

    private func write(_ line: String, _ tail: InvocationLogTail?) {
        write(line)
        tail?.append(line)
    }

    /// Where an init ran: in the init phase, or again in the invoke phase of the invocation that
    /// waited for a failed one.
    enum InitPhase: String { case initialization = "init", invocation = "invoke" }

    /// How an init failed, as INIT_REPORT gives it.
    enum InitFailure: Equatable {
        /// The runtime exited before asking for work; the type is its posted init error's, if any.
        case error(type: String)
        case timeout
    }

    /// The line Lambda writes for an init that failed or timed out. (A successful init is reported
    /// in its first invocation's REPORT and gets no line of its own.)
    func initFailed(durationMs: Double, phase: InitPhase, _ failure: InitFailure) {
        let (text, json) = switch failure {
        case .timeout: ("Status: timeout", "\"status\":\"timeout\"")
        case .error(let type): ("Status: error\tError Type: \(type)", "\"status\":\"error\",\"errorType\":\(quoted(type))")
        }
        switch format {
        case .text:
            write("INIT_REPORT Init Duration: \(Self.decimals(durationMs, 2)) ms\tPhase: \(phase.rawValue)\t\(text)")
        case .json:
            write(Self.record("platform.initReport", "{\"initializationType\":\"on-demand\",\"phase\":\"\(phase.rawValue)\",\(json)"
                                + ",\"metrics\":{\"durationMs\":\(Self.decimals(durationMs, 3))}}"))
        }
    }

    /// The REPORT status of an invocation that ended with `result`.
    static func status(of result: InvocationResult, answeredByRuntime: Bool) -> Status {
        guard let type = result.errorType else { return .success }
        if answeredByRuntime { return .functionError(type: type) }
        return type == InvocationResult.timeoutType ? .timeout : .runtimeError(type: type)
    }

    /// Each figure followed by a tab, then the status fields of an invocation that timed out or
    /// whose runtime failed, tab-separated with nothing after, as Lambda writes them.
    static func textReport(_ report: Report) -> String {
        var figures = ["REPORT RequestId: \(report.requestID)",
                       "Duration: \(decimals(report.durationMs, 2)) ms",
                       "Billed Duration: \(report.billedDurationMs) ms",
                       "Memory Size: \(report.memorySizeMB) MB"]
        if let used = report.maxMemoryUsedMB { figures.append("Max Memory Used: \(used) MB") }
        if let initMs = report.initDurationMs { figures.append("Init Duration: \(decimals(initMs, 2)) ms") }
        let line = figures.map { $0 + "\t" }.joined()
        switch report.status {
        case .success, .functionError: return line
        case .timeout: return line + "Status: timeout"
        case .runtimeError(let type): return line + "Status: error\tError Type: \(type)"
        }
    }

    static func jsonReport(_ report: Report) -> String {
        var metrics = ["\"durationMs\":\(decimals(report.durationMs, 3))",
                       "\"billedDurationMs\":\(report.billedDurationMs)",
                       "\"memorySizeMB\":\(report.memorySizeMB)"]
        if let used = report.maxMemoryUsedMB { metrics.append("\"maxMemoryUsedMB\":\(used)") }
        if let initMs = report.initDurationMs { metrics.append("\"initDurationMs\":\(decimals(initMs, 3))") }
        let record = "{\"requestId\":\(quoted(report.requestID)),\"metrics\":{\(metrics.joined(separator: ","))}"
        switch report.status {
        case .success: return record + ",\"status\":\"success\"}"
        case .timeout: return record + ",\"status\":\"timeout\"}"
        case .functionError(let type), .runtimeError(let type): return record + ",\"status\":\"error\",\"errorType\":\(quoted(type))}"
        }
    }

    private static func record(_ type: String, _ record: String) -> String {
        "{\"time\":\(quoted(timestamp(Date()))),\"type\":\"\(type)\",\"record\":\(record)}"
    }

    private static let timestampFormatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()

    /// `2026-11-25T03:04:05.678Z`, as Lambda writes platform times.
    static func timestamp(_ date: Date) -> String { timestampFormatter.string(from: date) }

    /// `value` (not below 0) with `places` decimals, as the platform's figures are written.
    static func decimals(_ value: Double, _ places: Int) -> String {
        String(format: "%.\(places)f", max(0, value))
    }
}
