// The event formats a video function answers: direct, S3 notification, SQS batch, HTTP (API Gateway
// or a Function URL).
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
    /// API Gateway (HTTP API, payload 2.0 or 1.0; REST API proxy) or a Function URL: the body, as
    /// the event carries it, is a direct event. It is decoded where its errors become HTTP answers (a bad body is a 400, not a failed
    /// invocation the gateway would turn into a 502).
    case http(HTTPRequest)
    /// The message S3 sends once when a notification to SQS (or SNS) is set up, to check that it
    /// arrives: nothing to analyse, and nothing to fail (a failure would be retried until it reached
    /// the dead-letter queue).
    case s3TestEvent

    struct S3Record: Equatable {
        var bucket: String
        var key: String
        /// "ObjectCreated:Put", ...; nil when the record does not say.
        var eventName: String? = nil
        /// The object's size, when the record gives it.
        var size: Int64? = nil
        /// The ETag of the object the record tells of (unquoted, as S3 writes it), when it gives one.
        var eTag: String? = nil
        /// The version to analyse: the one the record tells of, as an If-Match header quotes it.
        var expectedETag: String? { eTag.map { "\"\($0)\"" } }
        var uri: String { "s3://\(bucket)/\(key)" }
        /// A "folder" the S3 console made: an object whose key ends in '/' (empty, when the record
        /// gives the size), no video.
        var isFolderMarker: Bool { key.hasSuffix("/") && (size ?? 0) == 0 }
        /// Whether the record tells of a new object. Others (ObjectRemoved, ObjectRestore...) reach
        /// us when a queue gets every event of a bucket: there is no new video to analyse.
        var isObjectCreated: Bool { eventName.map { $0.hasPrefix("ObjectCreated:") } ?? true }
        /// A new object that is not a console folder: one that may be a video to analyse.
        var isNewObject: Bool { isObjectCreated && !isFolderMarker }
    }

    struct HTTPRequest: Equatable {
        /// "POST", ...; empty when the event does not say.
        var method: String
        var body: String
        var isBase64Encoded: Bool
        /// How long API Gateway waits for the answer: an answer after that is thrown away, however
        /// long the function's own timeout is. nil for a Function URL (only the function's timeout
        /// holds) or an event that does not say when the request arrived.
        var gateway: GatewayTimeout? = nil

        /// The time API Gateway still waits, in ms (.max when nothing but the function's timeout holds).
        func gatewayTimeLeftMs(nowEpochMs: Int64) -> Int64 {
            guard let gateway else { return .max }
            return VideoFunctionHandler.less(gateway.arrivedEpochMs + gateway.timeoutMs, nowEpochMs)
        }

        /// The body's text.
        func decodedBody() throws -> String {
            guard isBase64Encoded else { return body }
            guard let data = Data(base64Encoded: body) else { throw VideoFunctionError(.invalidEvent, "the body is flagged base64 but is not") }
            return String(decoding: data, as: UTF8.self)
        }
    }

    struct GatewayTimeout: Equatable {
        /// When the request reached the gateway (ms since the epoch).
        var arrivedEpochMs: Int64
        var timeoutMs: Int64

        /// An HTTP API's integration timeout: at most 30 s, and it cannot be raised.
        static let httpAPIMs: Int64 = 30_000
        /// A REST API's default integration timeout (a Regional API's can be raised by quota).
        static let restAPIMs: Int64 = 29_000
        /// VIDEO_LAMBDA_GATEWAY_TIMEOUT_MS: the integration timeout the function's API really has,
        /// where it is not the default (a REST API's raised, or one set lower).
        static let configuredMs: Int64? = configured(ProcessInfo.processInfo.environment["VIDEO_LAMBDA_GATEWAY_TIMEOUT_MS"])

        /// A positive number of ms, at most Lambda's longest timeout (15 minutes): no gateway waits
        /// longer than the function can run, and a larger value would overflow the arrival time
        /// plus it (9223372036854775807 stopped every HTTP request with a trap).
        static func configured(_ text: String?) -> Int64? {
            text.flatMap { Int64($0) }.flatMap { $0 > 0 ? min($0, 900_000) : nil }
        }
    }

    struct SQSMessage {
        var messageID: String
        var body: String
        /// From a FIFO queue, whose messages in a group must be processed in order.
        var isFIFO = false
    }

    static func parse(_ bytes: [UInt8]) throws -> FunctionEvent {
        try parse(bytes, insideNotification: false)
    }

    private static func parse(_ bytes: [UInt8], insideNotification: Bool) throws -> FunctionEvent {
        let value: JSONValue
        do { value = try JSONValue(parsing: bytes) }
        catch { throw VideoFunctionError(.invalidEvent, "the event is not JSON: \(error)") }
        guard case .object(let object) = value else { throw VideoFunctionError(.invalidEvent, "the event must be a JSON object") }
        return try parse(object, insideNotification: insideNotification)
    }

    static func parse(_ object: [String: JSONValue]) throws -> FunctionEvent {
        try parse(object, insideNotification: false)
    }

    private static func parse(_ object: [String: JSONValue], insideNotification: Bool) throws -> FunctionEvent {
        // S3 → SNS → SQS without raw message delivery: the S3 notification (or S3's test event, or a
        // direct event) is the text of the SNS message the queue got. One level only.
        if object["Type"]?.stringValue == "Notification", object["video"] == nil,
           object["TopicArn"]?.stringValue?.hasPrefix("arn:") == true, let message = object["Message"]?.stringValue {
            guard !insideNotification else { throw VideoFunctionError(.invalidEvent, "an SNS notification inside an SNS notification") }
            let inner = try parse(Array(message.utf8), insideNotification: true)
            switch inner {
            case .s3, .s3TestEvent, .direct: return inner
            case .sqs, .http: throw VideoFunctionError(.invalidEvent, "an SNS notification's message must be an S3 notification or a direct event")
            }
        }
        // What SNS sends a queue before it delivers anything (or as it stops): no video event. An
        // endpoint in another account confirms it by opening SubscribeURL, so the error says so.
        if let type = object["Type"]?.stringValue, ["SubscriptionConfirmation", "UnsubscribeConfirmation"].contains(type),
           object["video"] == nil, let topic = object["TopicArn"]?.stringValue, topic.hasPrefix("arn:") {
            let url = object["SubscribeURL"]?.stringValue ?? "(none given)"
            throw VideoFunctionError(.invalidEvent, type == "SubscriptionConfirmation"
                ? "an SNS subscription confirmation from \(topic), not a video event: confirm the subscription by opening its SubscribeURL, \(url)"
                : "an SNS unsubscribe confirmation from \(topic), not a video event")
        }
        if case .array(let records)? = object["Records"] {
            let sources = Set(records.compactMap { record -> String? in
                guard case .object(let fields) = record else { return nil }
                return fields["eventSource"]?.stringValue ?? fields["EventSource"]?.stringValue
            })
            if sources == ["aws:s3"] { return .s3(records: try records.map(s3Record)) }
            if sources == ["aws:sqs"] { return .sqs(messages: try records.map(sqsMessage)) }
            if sources == ["aws:sns"] { return try s3RecordsFromSNS(records) }
            guard !records.isEmpty else { throw VideoFunctionError(.invalidEvent, "the event's \"Records\" list is empty: there is nothing to process") }
            let origin = sources.isEmpty ? "without an eventSource" : "from \(listed(sources))"
            throw VideoFunctionError(.invalidEvent, "Records \(origin) are not S3, SQS or SNS records")
        }
        if object["Event"]?.stringValue == "s3:TestEvent", object["Service"]?.stringValue == "Amazon S3" {
            return .s3TestEvent
        }
        if let request = httpRequest(object, configuredTimeoutMs: GatewayTimeout.configuredMs) { return .http(request) }
        return .direct(try VideoRequest(object))
    }

    /// An API Gateway or Function URL event, told by its shape: payload 2.0 (HTTP API, Function
    /// URL) has "version": "2.0" and requestContext.http; 1.0 (HTTP API "version": "1.0", or a REST
    /// API proxy without one) has httpMethod beside requestContext. nil for anything else.
    /// `configuredTimeoutMs` replaces the gateway's default timeout (VIDEO_LAMBDA_GATEWAY_TIMEOUT_MS).
    static func httpRequest(_ object: [String: JSONValue], configuredTimeoutMs: Int64?) -> HTTPRequest? {
        guard case .object(let context)? = object["requestContext"] else { return nil }
        let version = object["version"]?.stringValue
        let method: String
        let arrivedEpochMs: Double?
        let timeoutMs: Int64
        if version == "2.0" {
            var http: [String: JSONValue] = [:]
            if case .object(let fields)? = context["http"] { http = fields }
            method = http["method"]?.stringValue ?? ""
            arrivedEpochMs = number(context["timeEpoch"])
            // A Function URL's host is <url-id>.lambda-url.<region>.on.aws; no gateway stands before it.
            let isFunctionURL = context["domainName"]?.stringValue?.contains(".lambda-url.") == true
            timeoutMs = isFunctionURL ? 0 : configuredTimeoutMs ?? GatewayTimeout.httpAPIMs
        } else if let httpMethod = object["httpMethod"]?.stringValue, version == nil || version == "1.0" {
            method = httpMethod
            arrivedEpochMs = number(context["requestTimeEpoch"])
            timeoutMs = configuredTimeoutMs ?? (version == "1.0" ? GatewayTimeout.httpAPIMs : GatewayTimeout.restAPIMs)
        } else {
            return nil
        }
        var request = HTTPRequest(method: method, body: object["body"]?.stringValue ?? "", isBase64Encoded: false)
        if case .bool(true)? = object["isBase64Encoded"] { request.isBase64Encoded = true }
        // An arrival an hour or more from now is a sample event replayed (the docs' are from 2020),
        // not a request a gateway is waiting on: it would otherwise be out of time before it began.
        if timeoutMs > 0, let arrivedEpochMs, abs(arrivedEpochMs - Double(Clock.nowMs())) < 3_600_000 {
            request.gateway = GatewayTimeout(arrivedEpochMs: Int64(arrivedEpochMs), timeoutMs: timeoutMs)
        }
        return request
    }

    private static func number(_ value: JSONValue?) -> Double? {
        if case .number(let number)? = value { return number }
        return nil
    }

    /// S3 → SNS → Lambda: each SNS record's message is an S3 notification, whose records are
    /// analysed as if S3 had invoked the function (S3's test event, sent through, is nothing to do).
    /// A direct event has no key to store its result under, and SNS's answer goes nowhere: refused.
    private static func s3RecordsFromSNS(_ records: [JSONValue]) throws -> FunctionEvent {
        var s3Records: [S3Record] = []
        for record in records {
            guard case .object(let fields) = record, case .object(let sns)? = fields["Sns"] else {
                throw VideoFunctionError(.invalidEvent, "an SNS record lacks its \"Sns\" message")
            }
            switch try parse(sns, insideNotification: false) {
            case .s3(let inner): s3Records += inner
            case .s3TestEvent: continue
            default: throw VideoFunctionError(.invalidEvent, "an SNS message for a video function must be an S3 notification (\"Message\" holding its \"Records\")")
            }
        }
        return s3Records.isEmpty ? .s3TestEvent : .s3(records: s3Records)
    }

    private static func s3Record(_ record: JSONValue) throws -> S3Record {
        guard case .object(let fields) = record, case .object(let s3)? = fields["s3"],
              case .object(let bucket)? = s3["bucket"], let name = bucket["name"]?.stringValue,
              case .object(let object)? = s3["object"], let key = object["key"]?.stringValue else {
            throw VideoFunctionError(.invalidEvent, "an S3 record lacks s3.bucket.name or s3.object.key")
        }
        // S3 notifications URL-encode keys, with '+' for spaces.
        let decoded = ObjectURI.percentDecoding(key.replacing("+", with: " ")) ?? key
        try checkS3Key(decoded, "an S3 record's object key")
        var size: Int64? = nil
        if case .number(let bytes)? = object["size"], bytes >= 0, bytes < 9e18 { size = Int64(bytes) }
        // Only a plain ETag (S3 writes it unquoted; an S3-compatible store may quote it): it goes
        // into a header, which a quote or a control character inside would break.
        let eTag = object["eTag"]?.stringValue.flatMap { written -> String? in
            let tag = written.count >= 2 && written.hasPrefix("\"") && written.hasSuffix("\"") ? String(written.dropFirst().dropLast()) : written
            return !tag.isEmpty && tag.utf8.count <= 128 && tag.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x22 }) ? tag : nil
        }
        return S3Record(bucket: name, key: decoded, eventName: fields["eventName"]?.stringValue, size: size, eTag: eTag)
    }

    /// S3's own limit on an object key.
    static let maximumS3KeyBytes = 1024

    /// Throws when `key` is longer than S3 takes; `what` names it in the message ("... is N bytes long").
    static func checkS3Key(_ key: String, _ what: String) throws(VideoFunctionError) {
        guard key.utf8.count <= maximumS3KeyBytes else {
            throw VideoFunctionError(.invalidEvent, "\(what) is \(key.utf8.count) bytes long; S3 keys have at most \(maximumS3KeyBytes)")
        }
    }

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
        let queue = fields["eventSourceARN"]?.stringValue ?? ""
        return SQSMessage(messageID: id, body: fields["body"]?.stringValue ?? "", isFIFO: queue.hasSuffix(".fifo"))
    }
}
