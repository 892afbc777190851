// CloudWatch Embedded Metric Format: metrics as one structured log line, no API calls.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
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
        let ms = Int64((timestamp.timeIntervalSince1970 * 1000).rounded(.down))
        let dimensionNames = "[" + dimensions.map { JSONText.quoted($0.0) }.joined(separator: ",") + "]"
        let definitions = metrics.map { "{\"Name\":\(JSONText.quoted($0.name)),\"Unit\":\"\($0.unit.rawValue)\"}" }
        var fields = ["\"_aws\":{\"Timestamp\":\(ms),\"CloudWatchMetrics\":[{\"Namespace\":\(JSONText.quoted(namespace)),"
            + "\"Dimensions\":[\(dimensionNames)],\"Metrics\":[\(definitions.joined(separator: ","))]}]}"]
        fields += dimensions.map { "\(JSONText.quoted($0.0)):\(JSONText.quoted($0.1))" }
        fields += metrics.map { "\(JSONText.quoted($0.name)):\(Self.number($0.value))" }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// JSON has no NaN or infinity; such a value is written as 0 rather than breaking the record.
    private static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
