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
    private let sink: LogSink

    public init(namespace: String, dimensions: [(String, String)], sink: LogSink = .standardOutput) {
        self.namespace = namespace
        self.dimensions = dimensions
        self.sink = sink
    }

    /// The emitter for this function: namespace VideoLambda, dimension FunctionName from the environment.
    public static func fromEnvironment(_ environment: [String: String], sink: LogSink = .standardOutput) -> MetricsEmitter {
        MetricsEmitter(namespace: "VideoLambda",
                       dimensions: [("FunctionName", environment["AWS_LAMBDA_FUNCTION_NAME"] ?? "local")], sink: sink)
    }

    public func emit(_ metrics: [(name: String, value: Double, unit: Unit)], timestamp: Date = Date()) {
        guard !metrics.isEmpty else { return }
        sink.write(record(metrics, timestamp: timestamp))
    }

    func record(_ metrics: [(name: String, value: Double, unit: Unit)], timestamp: Date) -> String {
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
        return PreparedMetrics(afterTimestamp: directive + dimensionFields, valueKeys: metrics.map { ",\(JSONText.quoted($0.name)):" }, sink: sink)
    }

}

/// An EMF record with fixed metric names: see `MetricsEmitter.prepared`.
public struct PreparedMetrics: Sendable {
    /// Everything between the timestamp and the first value: the directive and the dimension values.
    let afterTimestamp: String
    /// `,"Name":` for each metric, in order.
    let valueKeys: [String]
    let sink: LogSink

    /// Emits the record with `values` (one per metric, in order) stamped now.
    public func emit(_ values: Double...) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        sink.write(record(values, milliseconds: Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000))
    }

    func record(_ values: [Double], milliseconds: Int64) -> String {
        var line = "{\"_aws\":{\"Timestamp\":\(milliseconds)" + afterTimestamp
        for (key, value) in zip(valueKeys, values) { line += key + Self.number(value) }
        return line + "}"
    }

    /// JSON has no NaN or infinity; such a value is written as 0 rather than breaking the record.
    private static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
