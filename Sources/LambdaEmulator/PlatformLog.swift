// What Lambda writes to a function's log around each invocation: START, END and REPORT lines (with
// JSON logs, platform.start and platform.report records). REPORT carries the runtime process's real
// peak memory: the Runtime Interface Emulator prints the configured memory size there, which tells
// a user sizing a function nothing.
import Foundation

/// Writes the platform's lines for the invocations of one emulated function.
public struct PlatformLog: Sendable {
    public enum Format: Sendable { case text, json }

    /// How an invocation ended, as REPORT gives it.
    enum Status: Equatable {
        case success
        /// The function's error (posted to /error) or the runtime's (it exited, answered nothing).
        case error(type: String)
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

    /// Lines to the emulator's standard error, where the runtime processes' output goes too.
    public static func standardError(format: Format) -> PlatformLog {
        PlatformLog(format: format) { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    /// Lines to standard error in the log format `configuration`'s runtime is given (its
    /// environment over the emulator's own).
    public static func standardError(for configuration: EmulatorConfiguration) -> PlatformLog {
        let environment = ProcessInfo.processInfo.environment.merging(configuration.environment) { $1 }
        return standardError(format: format(forRuntimeEnvironment: environment))
    }

    /// JSON when the function's log format (AWS_LAMBDA_LOG_FORMAT, as the runtime sees it) is JSON.
    public static func format(forRuntimeEnvironment environment: [String: String]) -> Format {
        environment["AWS_LAMBDA_LOG_FORMAT"]?.uppercased() == "JSON" ? .json : .text
    }

    func start(requestID: String) {
        switch format {
        case .text: write("START RequestId: \(requestID) Version: $LATEST")
        case .json: write(Self.record("platform.start", "{\"requestId\":\(quoted(requestID)),\"version\":\"$LATEST\"}"))
        }
    }

    func end(_ report: Report) {
        switch format {
        case .text:
            write("END RequestId: \(report.requestID)")
            write(Self.textReport(report))
        case .json:
            write(Self.record("platform.report", Self.jsonReport(report)))
        }
    }

    /// The REPORT status of an invocation that ended with `result`.
    static func status(of result: InvocationResult) -> Status {
        guard let type = result.errorType else { return .success }
        return type == InvocationResult.timeoutType ? .timeout : .error(type: type)
    }

    /// Tab-separated fields, with the trailing tab Lambda writes. A function's own error is a
    /// normal end in Lambda's text REPORT; a timeout or a runtime failure is named.
    static func textReport(_ report: Report) -> String {
        var fields = ["REPORT RequestId: \(report.requestID)",
                      "Duration: \(twoDecimals(report.durationMs)) ms",
                      "Billed Duration: \(report.billedDurationMs) ms",
                      "Memory Size: \(report.memorySizeMB) MB"]
        if let used = report.maxMemoryUsedMB { fields.append("Max Memory Used: \(used) MB") }
        if let initMs = report.initDurationMs { fields.append("Init Duration: \(twoDecimals(initMs)) ms") }
        switch report.status {
        case .success: break
        case .timeout: fields.append("Status: timeout")
        case .error(let type) where type.hasPrefix("Runtime.") || type.hasPrefix("Sandbox."):
            fields += ["Status: error", "Error Type: \(type)"]
        case .error: break
        }
        return fields.joined(separator: "\t") + "\t"
    }

    static func jsonReport(_ report: Report) -> String {
        var metrics = ["\"durationMs\":\(twoDecimals(report.durationMs))",
                       "\"billedDurationMs\":\(report.billedDurationMs)",
                       "\"memorySizeMB\":\(report.memorySizeMB)"]
        if let used = report.maxMemoryUsedMB { metrics.append("\"maxMemoryUsedMB\":\(used)") }
        if let initMs = report.initDurationMs { metrics.append("\"initDurationMs\":\(twoDecimals(initMs))") }
        var record = "{\"requestId\":\(quoted(report.requestID)),\"metrics\":{\(metrics.joined(separator: ","))}"
        switch report.status {
        case .success: record += ",\"status\":\"success\""
        case .timeout: record += ",\"status\":\"timeout\""
        case .error(let type): record += ",\"status\":\"error\",\"errorType\":\(quoted(type))"
        }
        return record + "}"
    }

    private static func record(_ type: String, _ record: String) -> String {
        "{\"time\":\(quoted(timestamp(Date()))),\"type\":\"\(type)\",\"record\":\(record)}"
    }

    /// `2026-11-25T03:04:05.678Z`, as Lambda writes platform records' times.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    private static func twoDecimals(_ value: Double) -> String {
        String(format: "%.2f", max(0, value))
    }
}
