// CloudWatch Embedded Metric Format: metrics as one structured log line, no API calls.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Emits EMF records to standard output, where CloudWatch Logs turns them into metrics.
///
/// One record per call: the `_aws` block names the namespace, the dimension set and each metric's
/// unit; the values sit at the top level next to the dimension values, as the EMF spec requires.
public struct MetricsEmitter: Sendable {
    public enum Unit: String, Sendable {
        case milliseconds = "Milliseconds", seconds = "Seconds", bytes = "Bytes", count = "Count", none = "None"
    }

    public let namespace: String
    public let dimensions: [(String, String)]
    /// The `level` field records carry (nil: none): see `fromEnvironment`.
    public let level: LambdaLogger.Level?
    let sink: LogSink

    public init(namespace: String, dimensions: [(String, String)], level: LambdaLogger.Level? = nil, sink: LogSink = .standardOutput) {
        self.namespace = namespace
        self.dimensions = dimensions
        self.level = level
        self.sink = sink
    }

    /// The emitter for this function: namespace VideoLambda, dimension FunctionName from the environment.
    /// With JSON logs, Lambda filters application log lines by their `level` field and counts a line
    /// without one (or without an RFC 3339 `timestamp`) as INFO: records carry both, the level the
    /// configured one when it is above INFO, so that `ApplicationLogLevel: WARN` does not drop every
    /// metric along with the INFO lines. (At ERROR, metric records are ERROR lines too: an alarm on
    /// the level should leave out lines with `_aws`.)
    public static func fromEnvironment(_ environment: [String: String], sink: LogSink = .standardOutput) -> MetricsEmitter {
        let logger = LambdaLogger.fromEnvironment(environment)
        return MetricsEmitter(namespace: "VideoLambda",
                              dimensions: [("FunctionName", environment["AWS_LAMBDA_FUNCTION_NAME"] ?? "local")],
                              level: logger.format == .json ? max(logger.minimumLevel, .info) : nil, sink: sink)
    }

    public func emit(_ metrics: [(name: String, value: Double, unit: Unit)], timestamp: Date = Date()) {
        guard let record = record(metrics, timestamp: timestamp) else { return }
        sink.write(record)
    }

    /// The record of `metrics`; nil when none has a value JSON can hold.
    func record(_ metrics: [(name: String, value: Double, unit: Unit)], timestamp: Date) -> String? {
        prepared(metrics.map { ($0.name, $0.unit) }).record(metrics.map(\.value), milliseconds: Int64((timestamp.timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// A record with these metric names and units whose JSON is built once, so that emitting it only
    /// writes the timestamp and the values (the run loop's Duration, once per invocation).
    public func prepared(_ metrics: [(name: String, unit: Unit)]) -> PreparedMetrics {
        let dimensionNames = "[" + dimensions.map { JSONText.quoted($0.0) }.joined(separator: ",") + "]"
        let definitions = metrics.map { "{\"Name\":\(JSONText.quoted($0.name)),\"Unit\":\"\($0.unit.rawValue)\"}" }
        let directive = ",\"CloudWatchMetrics\":[{\"Namespace\":\(JSONText.quoted(namespace)),"
            + "\"Dimensions\":[\(dimensionNames)],\"Metrics\":[\(definitions.joined(separator: ","))]}]}"
        let dimensionFields = dimensions.map { ",\(JSONText.quoted($0.0)):\(JSONText.quoted($0.1))" }.joined()
        let levelField = level.map { ",\"level\":\"\($0.name)\"" } ?? ""
        return PreparedMetrics(afterTimestamp: directive + levelField + dimensionFields, valueKeys: metrics.map { ",\(JSONText.quoted($0.name)):" },
                               metrics: metrics, emitter: self)
    }

}

/// An EMF record with fixed metric names: see `MetricsEmitter.prepared`.
public struct PreparedMetrics: Sendable {
    /// Everything between the timestamp and the first value: the directive and the dimension values.
    let afterTimestamp: String
    /// `,"Name":` for each metric, in order.
    let valueKeys: [String]
    /// The metrics' names and units, and the emitter that prepared them: for a record that must
    /// leave some out.
    let metrics: [(name: String, unit: MetricsEmitter.Unit)]
    let emitter: MetricsEmitter

    /// Emits the record with `values` (one per metric, in order) stamped now.
    public func emit(_ values: Double...) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        guard let record = record(values, milliseconds: Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000) else { return }
        emitter.sink.write(record)
    }

    /// The record; nil when no value is finite. JSON has no NaN or infinity, and a metric written
    /// as 0 would be a false figure on a dashboard: a metric without a finite value is left out of
    /// the record (its definition too, which CloudWatch requires to name a value that is there).
    func record(_ values: [Double], milliseconds: Int64) -> String? {
        guard values.allSatisfy(\.isFinite) else {
            let kept = values.indices.filter { values[$0].isFinite }
            guard !kept.isEmpty else { return nil }
            return emitter.prepared(kept.map { metrics[$0] }).record(kept.map { values[$0] }, milliseconds: milliseconds)
        }
        var line = "{\"_aws\":{\"Timestamp\":\(milliseconds)" + afterTimestamp
        for (key, value) in zip(valueKeys, values) { line += key + Self.number(value) }
        if emitter.level != nil {
            line += ",\"timestamp\":\"\(LambdaLogger.iso8601(Date(timeIntervalSince1970: Double(milliseconds) / 1000)))\""
        }
        return line + "}"
    }

    /// A finite value: whole numbers without a fraction.
    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
