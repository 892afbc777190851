// The event formats a video function answers: direct, S3 notification, SQS batch, HTTP (API Gateway v2).
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LambdaRuntime
import ObjectStore

/// What an invocation's event is, decided from its shape.
enum FunctionEvent {
    case direct(VideoRequest)
    /// S3 ObjectCreated records: one video each.
    case s3(records: [S3Record])
    /// SQS messages whose bodies are direct events or S3 notifications.
    case sqs(messages: [SQSMessage])
    /// API Gateway HTTP API v2 or a Function URL: the body is a direct event.
    case http(body: String)
    /// The message S3 sends once when a notification to SQS (or SNS) is set up, to check that it
    /// arrives: nothing to analyse, and nothing to fail (a failure would be retried until it reached
    /// the dead-letter queue).
    case s3TestEvent

    struct S3Record: Equatable {
        var bucket: String
        var key: String
        /// "ObjectCreated:Put", ...; nil when the record does not say.
        var eventName: String? = nil
        var uri: String { "s3://\(bucket)/\(key)" }
        /// Whether the record tells of a new object. Others (ObjectRemoved, ObjectRestore...) reach
        /// us when a queue gets every event of a bucket: there is no new video to analyse.
        var isObjectCreated: Bool { eventName.map { $0.hasPrefix("ObjectCreated:") } ?? true }
    }

    struct SQSMessage {
        var messageID: String
        var body: String
    }

    static func parse(_ bytes: [UInt8]) throws -> FunctionEvent {
        let value: JSONValue
        do { value = try JSONValue(parsing: bytes) }
        catch { throw VideoFunctionError(.invalidEvent, "the event is not JSON: \(error)") }
        guard case .object(let object) = value else { throw VideoFunctionError(.invalidEvent, "the event must be a JSON object") }
        return try parse(object)
    }

    static func parse(_ object: [String: JSONValue]) throws -> FunctionEvent {
        if case .array(let records)? = object["Records"] {
            let sources = Set(records.compactMap { record -> String? in
                guard case .object(let fields) = record else { return nil }
                return fields["eventSource"]?.stringValue ?? fields["EventSource"]?.stringValue
            })
            if sources == ["aws:s3"] { return .s3(records: try records.map(s3Record)) }
            if sources == ["aws:sqs"] { return .sqs(messages: try records.map(sqsMessage)) }
            guard !records.isEmpty else { throw VideoFunctionError(.invalidEvent, "the event's \"Records\" list is empty: there is nothing to process") }
            let origin = sources.isEmpty ? "without an eventSource" : "from \(listed(sources))"
            throw VideoFunctionError(.invalidEvent, "Records \(origin) are not S3 or SQS records")
        }
        if object["Event"]?.stringValue == "s3:TestEvent", object["Service"]?.stringValue == "Amazon S3" {
            return .s3TestEvent
        }
        if case .string(let version)? = object["version"], version == "2.0", object["requestContext"] != nil {
            var body = object["body"]?.stringValue ?? ""
            if case .bool(true)? = object["isBase64Encoded"] {
                guard let data = Data(base64Encoded: body) else { throw VideoFunctionError(.invalidEvent, "the body is flagged base64 but is not") }
                body = String(decoding: data, as: UTF8.self)
            }
            return .http(body: body)
        }
        return .direct(try VideoRequest(object))
    }

    private static func s3Record(_ record: JSONValue) throws -> S3Record {
        guard case .object(let fields) = record, case .object(let s3)? = fields["s3"],
              case .object(let bucket)? = s3["bucket"], let name = bucket["name"]?.stringValue,
              case .object(let object)? = s3["object"], let key = object["key"]?.stringValue else {
            throw VideoFunctionError(.invalidEvent, "an S3 record lacks s3.bucket.name or s3.object.key")
        }
        // S3 notifications URL-encode keys, with '+' for spaces.
        let decoded = ObjectURI.percentDecoding(key.replacing("+", with: " ")) ?? key
        guard decoded.utf8.count <= maximumS3KeyBytes else {
            throw VideoFunctionError(.invalidEvent, "an S3 record's object key is \(decoded.utf8.count) bytes long; S3 keys have at most \(maximumS3KeyBytes)")
        }
        return S3Record(bucket: name, key: decoded, eventName: fields["eventName"]?.stringValue)
    }

    /// S3's own limit on an object key.
    static let maximumS3KeyBytes = 1024

    /// Values quoted from the event in a message: at most three, each cut to 64 characters.
    private static func listed(_ values: Set<String>) -> String {
        let sorted = values.sorted()
        var shown = sorted.prefix(3).map { $0.count > 64 ? $0.prefix(64) + "…" : $0 }
        if sorted.count > 3 { shown.append("\(sorted.count - 3) more") }
        return shown.joined(separator: ", ")
    }

    private static func sqsMessage(_ record: JSONValue) throws -> SQSMessage {
        guard case .object(let fields) = record, let id = fields["messageId"]?.stringValue else {
            throw VideoFunctionError(.invalidEvent, "an SQS record lacks messageId")
        }
        return SQSMessage(messageID: id, body: fields["body"]?.stringValue ?? "")
    }
}
