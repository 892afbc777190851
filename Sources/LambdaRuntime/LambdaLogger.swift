// Log lines in the format Lambda's logging controls ask for: AWS_LAMBDA_LOG_FORMAT and _LOG_LEVEL.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
import Synchronization
#endif

/// Writes log lines to standard error, which Lambda forwards to CloudWatch Logs.
///
/// Text lines are `timestamp requestId LEVEL message`, tab-separated, as Lambda's Node.js runtime
/// writes them (four columns always: `undefined` where no invocation is running); JSON lines carry
/// the fields Lambda's own runtimes write (`timestamp`, `level`, `message`, `requestId`, and
/// `tenantId` in tenant isolation mode), so log filters and Logs Insights queries work the same
/// for this runtime as for the managed ones.
public struct LambdaLogger: Sendable {
    public enum Level: Int, Comparable, Sendable, CaseIterable {
        case trace, debug, info, warn, error, fatal

        public var name: String { ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"][rawValue] }

        /// Accepts Lambda's names (any case) and the common WARNING spelling.
        public init?(name: String) {
            let upper = name.uppercased()
            guard let level = Level.allCases.first(where: { $0.name == upper }) ?? (upper == "WARNING" ? .warn : nil)
            else { return nil }
            self = level
        }

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    public enum Format: Sendable { case text, json }

    public let format: Format
    public let minimumLevel: Level
    public let requestID: String?
    public let tenantID: String?
    private let sink: LogSink

    public init(format: Format = .text, minimumLevel: Level = .info, sink: LogSink = .standardError) {
        self.init(format: format, minimumLevel: minimumLevel, requestID: nil, tenantID: nil, sink: sink)
    }

    private init(format: Format, minimumLevel: Level, requestID: String?, tenantID: String?, sink: LogSink) {
        self.format = format
        self.minimumLevel = minimumLevel
        self.requestID = requestID
        self.tenantID = tenantID
        self.sink = sink
    }

    /// The logger Lambda's environment asks for. Lambda sets AWS_LAMBDA_LOG_LEVEL only with the
    /// JSON format (INFO unless configured); without it, or with a value that is no level, nothing
    /// is filtered, as in Lambda's managed runtimes. An unknown format is Text.
    public static func fromEnvironment(_ environment: [String: String], sink: LogSink = .standardError) -> LambdaLogger {
        let format: Format = environment["AWS_LAMBDA_LOG_FORMAT"]?.uppercased() == "JSON" ? .json : .text
        let level = environment["AWS_LAMBDA_LOG_LEVEL"].flatMap(Level.init(name:)) ?? .trace
        return LambdaLogger(format: format, minimumLevel: level, sink: sink)
    }

    /// The same logger, tagging its lines with one invocation's request id (and tenant, if any).
    public func with(requestID: String?, tenantID: String? = nil) -> LambdaLogger {
        LambdaLogger(format: format, minimumLevel: minimumLevel, requestID: requestID, tenantID: tenantID, sink: sink)
    }

    public func trace(_ message: @autoclosure () -> String) { log(.trace, message()) }
    public func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }
    public func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    public func warn(_ message: @autoclosure () -> String) { log(.warn, message()) }
    public func error(_ message: @autoclosure () -> String) { log(.error, message()) }
    public func fatal(_ message: @autoclosure () -> String) { log(.fatal, message()) }

    public func log(_ level: Level, _ message: @autoclosure () -> String) {
        guard level >= minimumLevel else { return }
        sink.write(line(level, message(), timestamp: Date()))
    }

    /// An invocation's failure as Lambda's managed runtimes log it: "Type: message" as the line,
    /// and in JSON also `errorType`, `errorMessage` and `stackTrace` as fields of their own, where a
    /// Logs Insights query or a metric filter on `errorType` finds them.
    public func error(_ report: ErrorReport) {
        guard Level.error >= minimumLevel else { return }
        let fields = [("errorType", JSONText.quoted(report.errorType)), ("errorMessage", JSONText.quoted(report.errorMessage)),
                      ("stackTrace", "[" + report.stackTrace.map(JSONText.quoted).joined(separator: ",") + "]")]
        sink.write(line(.error, "\(report.errorType): \(report.errorMessage)", timestamp: Date(), jsonFields: fields))
    }

    /// `jsonFields`: more fields for a JSON line, each value already JSON (text lines leave them out).
    func line(_ level: Level, _ message: String, timestamp: Date, jsonFields: [(String, String)] = []) -> String {
        let time = Self.iso8601(timestamp)
        switch format {
        case .text:
            // Lambda makes each line of a function's output a log event: a message's own line breaks
            // become carriage returns, as Lambda's managed runtimes write them, so that one message
            // (an error with its details) stays one event.
            // (Byte-wise: "\r\n" is one Character in Swift.)
            let oneLine = message.utf8.contains(0x0A)
                ? String(decoding: message.utf8.map { $0 == 0x0A ? 0x0D : $0 }, as: UTF8.self) : message
            return [time, requestID ?? "undefined", level.name, oneLine].joined(separator: "\t")
        case .json:
            var fields = [("timestamp", time), ("level", level.name), ("message", message)]
            if let requestID { fields.append(("requestId", requestID)) }
            if let tenantID { fields.append(("tenantId", tenantID)) }
            let quotedFields = fields.map { ($0.0, JSONText.quoted($0.1)) } + jsonFields
            return "{" + quotedFields.map { "\(JSONText.quoted($0.0)):\($0.1)" }.joined(separator: ",") + "}"
        }
    }

    /// `2026-11-25T03:04:05.678Z`: UTC with milliseconds, as Lambda writes it.
    static func iso8601(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(ms / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(ms % 1000), 3))Z"
    }
}

/// Where log lines go: standard error in production, a buffer in tests.
public struct LogSink: Sendable {
    let write: @Sendable (String) -> Void

    public init(_ write: @escaping @Sendable (String) -> Void) { self.write = write }

    func write(_ line: String) { write(line) }

    /// Whole lines, so lines from concurrent writers never interleave mid-line.
    public static let standardError = LogSink { writeLine($0, to: 2) }

    /// Held while a line is written to standard output or standard error (one each, so that a
    /// full one does not hold up the other): one write(2) is whole on a pipe only up to 4096 bytes,
    /// and a line longer than that, written in parts, could take turns with another thread's.
    private static let writingOutput = Mutex(())
    private static let writingError = Mutex(())

    static func writeLine(_ line: String, to descriptor: Int32) {
        var bytes = Array((line + "\n").utf8)
        if descriptor == 1 {
            writingOutput.withLock { _ in writeAll(&bytes, to: descriptor) }
        } else {
            writingError.withLock { _ in writeAll(&bytes, to: descriptor) }
        }
    }

    private static func writeAll(_ bytes: inout [UInt8], to descriptor: Int32) {
        bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, base + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else if written < 0 && errno == EAGAIN {
                    // A descriptor inherited non-blocking and full: wait until it takes more, so the
                    // rest of the line (and its newline) is not dropped.
                    var ready = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                    if poll(&ready, 1, 1_000) <= 0 { break }
                } else {
                    break
                }
            }
        }
    }
}

extension LogSink {
    /// Standard output, where CloudWatch picks up Embedded Metric Format records.
    public static let standardOutput = LogSink { writeLine($0, to: 1) }
}
