// Event formats: what each is recognised as, and the clear errors for bad ones.
import LambdaRuntime
import XCTest
@testable import VideoFunction

final class EventParsingTests: XCTestCase {
    private func parse(_ json: String) throws -> FunctionEvent { try FunctionEvent.parse(Array(json.utf8)) }

    private func assertInvalid(_ json: String, _ text: String, line: UInt = #line) {
        XCTAssertThrowsError(try parse(json), line: line) { error in
            XCTAssertEqual((error as? VideoFunctionError)?.code, .invalidEvent, line: line)
            XCTAssertTrue("\(error)".contains(text), "\(error)", line: line)
        }
    }

    func testDirectEvents() throws {
        guard case .direct(let request) = try parse(#"{"video": "s3://b/k.mp4", "frames": 8, "start": 1, "end": 4.5, "perFrame": true}"#) else {
            return XCTFail("not direct")
        }
        XCTAssertEqual(request, VideoRequest(video: "s3://b/k.mp4", frames: 8, start: 1, end: 4.5, perFrame: true))
        assertInvalid("not json", "not JSON")
        assertInvalid("[1]", "must be a JSON object")
        assertInvalid(#"{"frames": 3}"#, #"no "video" field"#)
        assertInvalid(#"{"video": 5}"#, "non-empty string")
        assertInvalid(#"{"video": "a.mp4", "frames": 2.5}"#, "positive whole number")
        assertInvalid(#"{"video": "a.mp4", "frames": -1}"#, "non-negative")
        assertInvalid(#"{"video": "a.mp4", "every": 0}"#, "positive number of seconds")
        assertInvalid(#"{"video": "a.mp4", "every": 0.5, "frames": 3}"#, #"give "frames" (a count spread over the video) or "every""#)
        assertInvalid(#"{"video": "a.mp4", "start": 5, "end": 2}"#, "must be after")
        assertInvalid(#"{"video": "a.mp4", "perFrame": "yes"}"#, "true or false")
        // A misspelt setting is named, not left out (8 frames asked, the default 16 analysed).
        assertInvalid(#"{"video": "a.mp4", "frame": 8}"#, #"a key "frame" that no setting reads; a direct event takes end, every, frames, perFrame, start, video"#)
        assertInvalid(#"{"video": "a.mp4", "Every": 2, "start": 1}"#, #"a key "Every""#)
        assertInvalid(#"{"video": "a.mp4", "\#(String(repeating: "k", count: 500))": 1}"#, #"a key "\#(String(repeating: "k", count: 64))…" that"#)
        // Numbers no Int holds are refused before they become one (they used to stop the process).
        assertInvalid(#"{"video": "a.mp4", "frames": 1e300}"#, #""frames" is 1e+300; at most 1024 frames"#)
        assertInvalid(#"{"video": "a.mp4", "frames": 20000}"#, #""frames" is 20000; at most 1024 frames"#)
        // Every error about a video names it: a 5 MB "URI" would make a 5 MB error.
        assertInvalid(#"{"video": "\#(String(repeating: "a", count: 9000))"}"#, #""video" is 9000 bytes long; a URI may have at most 8192"#)
    }

    func testS3NotificationsDecodeKeys() throws {
        let event = #"{"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": "in"}, "object": {"key": "uploads/my+clip%C3%A9.mp4"}}}]}"#
        guard case .s3(let records) = try parse(event) else { return XCTFail("not s3") }
        XCTAssertEqual(records.map(\.uri), ["s3://in/uploads/my clipé.mp4"])
        assertInvalid(#"{"Records": [{"eventSource": "aws:s3", "s3": {}}]}"#, "lacks s3.bucket.name")
        assertInvalid(#"{"Records": [{"eventSource": "aws:dynamodb"}]}"#, "not S3, SQS or SNS")
        assertInvalid(#"{"Records": []}"#, #"the event's "Records" list is empty"#)
        assertInvalid(#"{"Records": [{"s3": {}}]}"#, "Records without an eventSource are not S3, SQS or SNS records")
        // Quoted event values are bounded: a 200 KB eventSource made an error too large to post.
        let huge = String(repeating: "x", count: 200_000)
        let sources = (1...5).map { #"{"eventSource": "\#($0)\#(huge)"}"# }.joined(separator: ",")
        XCTAssertThrowsError(try parse(#"{"Records": [\#(sources)]}"#)) { error in
            XCTAssertLessThan("\(error)".utf8.count, 500, "\(error)".prefix(300).description)
            XCTAssertTrue("\(error)".contains("2 more"), "\(error)")
        }
        let longKey = String(repeating: "k", count: 1025)
        assertInvalid(#"{"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": "in"}, "object": {"key": "\#(longKey)"}}}]}"#,
                      "object key is 1025 bytes long; S3 keys have at most 1024")
    }

    /// Records of other S3 events (a removal reaches a queue that gets every event of a bucket) are
    /// told apart from new objects; a record without eventName counts as a new object.
    func testS3RecordsTellNewObjectsFromOtherEvents() throws {
        func record(_ name: String?) -> String {
            let field = name.map { #""eventName": "\#($0)", "# } ?? ""
            return #"{\#(field)"eventSource": "aws:s3", "s3": {"bucket": {"name": "in"}, "object": {"key": "a.mp4"}}}"#
        }
        let event = #"{"Records": [\#(record("ObjectCreated:Put")), \#(record("ObjectRemoved:Delete")), \#(record(nil))]}"#
        guard case .s3(let records) = try parse(event) else { return XCTFail("not s3") }
        XCTAssertEqual(records.map(\.isObjectCreated), [true, false, true])
        XCTAssertEqual(records[1].eventName, "ObjectRemoved:Delete")
    }

    /// The record's eTag names the version to analyse, as an If-Match header quotes it: S3 writes it
    /// bare, an S3-compatible store may quote it; one a header cannot carry is left out.
    func testS3RecordsNameTheirVersion() throws {
        func eTag(_ written: String) throws -> String? {
            let event = #"{"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": "in"}, "object": {"key": "a.mp4", "eTag": \#(written)}}}]}"#
            guard case .s3(let records) = try parse(event) else { XCTFail("not s3"); return nil }
            return records.first?.expectedETag
        }
        XCTAssertEqual(try eTag(#""0123456789abcdef0123456789abcdef""#), #""0123456789abcdef0123456789abcdef""#)
        XCTAssertEqual(try eTag(#""\"d41d8cd98f00b204e9800998ecf8427e-2\"""#), #""d41d8cd98f00b204e9800998ecf8427e-2""#)
        XCTAssertNil(try eTag(#""a\"b""#))
        XCTAssertNil(try eTag(#""a\nb""#))
        XCTAssertNil(try eTag("17"))
    }

    /// S3's check of a new notification, as a queue receives it, is recognised (not taken for a
    /// direct event without a video).
    func testS3TestEventIsRecognised() throws {
        let test = #"{"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2026-11-25T12:00:00.000Z", "Bucket": "in", "RequestId": "R", "HostId": "H"}"#
        guard case .s3TestEvent = try parse(test) else { return XCTFail("not the test event") }
        assertInvalid(#"{"Event": "s3:TestEvent"}"#, #"no "video" field"#)
    }

    func testSQSAndHTTPEvents() throws {
        guard case .sqs(let messages) = try parse(#"{"Records": [{"eventSource": "aws:sqs", "messageId": "m1", "body": "{}"}]}"#) else { return XCTFail("not sqs") }
        XCTAssertEqual(messages.map(\.messageID), ["m1"])
        let body = Data(#"{"video": "a.mp4"}"#.utf8).base64EncodedString()
        guard case .http(let request) = try parse(#"{"version": "2.0", "requestContext": {"http": {"method": "POST"}}, "body": "\#(body)", "isBase64Encoded": true}"#) else { return XCTFail("not http") }
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(try request.decodedBody(), #"{"video": "a.mp4"}"#)
        // A body that is not base64 is the request's fault, found where the answer is an HTTP 400.
        guard case .http(let bad) = try parse(#"{"version": "2.0", "requestContext": {}, "body": "%%%", "isBase64Encoded": true}"#) else { return XCTFail("not http") }
        XCTAssertThrowsError(try bad.decodedBody()) { XCTAssertTrue("\($0)".contains("flagged base64 but is not"), "\($0)") }
    }

    /// API Gateway's timeout is what holds behind it (30 s for an HTTP API, 29 s by default for a
    /// REST API), counted from the request's arrival; a Function URL has no gateway.
    func testHTTPEventsKnowTheGatewaysTimeout() throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        func request(_ json: String, line: UInt = #line) throws -> FunctionEvent.HTTPRequest? {
            guard case .http(let request) = try parse(json) else { XCTFail("not http", line: line); return nil }
            return request
        }
        let viaHTTPAPI = try request(#"{"version": "2.0", "requestContext": {"domainName": "abc.execute-api.us-east-1.amazonaws.com", "http": {"method": "POST"}, "timeEpoch": \#(now - 1000)}, "body": "{}"}"#)
        XCTAssertEqual(viaHTTPAPI?.gateway, .init(arrivedEpochMs: now - 1000, timeoutMs: 30_000))
        XCTAssertEqual(viaHTTPAPI?.gatewayTimeLeftMs(nowEpochMs: now), 29_000)
        let viaURL = try request(#"{"version": "2.0", "requestContext": {"domainName": "abc.lambda-url.us-east-1.on.aws", "http": {"method": "POST"}, "timeEpoch": \#(now)}}"#)
        XCTAssertNil(viaURL?.gateway)
        XCTAssertEqual(viaURL?.gatewayTimeLeftMs(nowEpochMs: now), .max)
        let rest = try request(#"{"resource": "/", "httpMethod": "POST", "requestContext": {"requestTimeEpoch": \#(now)}, "body": "{}"}"#)
        XCTAssertEqual(rest?.method, "POST")
        XCTAssertEqual(rest?.gateway?.timeoutMs, 29_000)
        let payload1 = try request(#"{"version": "1.0", "httpMethod": "GET", "requestContext": {"requestTimeEpoch": \#(now)}}"#)
        XCTAssertEqual(payload1?.method, "GET")
        XCTAssertEqual(payload1?.gateway?.timeoutMs, 30_000)
        // A REST API whose timeout was raised says so in VIDEO_LAMBDA_GATEWAY_TIMEOUT_MS.
        let raised = try JSONValue(parsing: Array(#"{"httpMethod": "POST", "requestContext": {"requestTimeEpoch": \#(now)}}"#.utf8))
        guard case .object(let fields) = raised else { return XCTFail("not an object") }
        XCTAssertEqual(FunctionEvent.httpRequest(fields, configuredTimeoutMs: 120_000)?.gateway?.timeoutMs, 120_000)
        // The variable is at most Lambda's 15 minutes: Int64's largest overflowed the arrival plus it.
        XCTAssertEqual(FunctionEvent.GatewayTimeout.configured("9223372036854775807"), 900_000)
        XCTAssertEqual(FunctionEvent.GatewayTimeout.configured("45000"), 45_000)
        for refused in ["0", "-5", "soon", nil] { XCTAssertNil(FunctionEvent.GatewayTimeout.configured(refused), "\(String(describing: refused))") }
        let huge = FunctionEvent.httpRequest(fields, configuredTimeoutMs: FunctionEvent.GatewayTimeout.configured("9223372036854775807"))
        XCTAssertEqual(huge?.gatewayTimeLeftMs(nowEpochMs: now), 900_000)
        // A sample event's arrival (the docs' are from 2020) is no deadline.
        XCTAssertNil(try request(#"{"version": "2.0", "requestContext": {"http": {"method": "POST"}, "timeEpoch": 1583348638390}}"#)?.gateway)
    }

    /// S3 → SNS → SQS without raw message delivery: the notification is the SNS message's text.
    func testSNSNotificationsCarryTheirMessage() throws {
        let s3 = #"{"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "in"}, "object": {"key": "a+b.mp4", "size": 10}}}]}"#
        func envelope(_ message: String) -> String {
            let escaped = message.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"")
            return #"{"Type": "Notification", "TopicArn": "arn:aws:sns:us-east-1:1:uploads", "Message": "\#(escaped)"}"#
        }
        guard case .s3(let records) = try parse(envelope(s3)) else { return XCTFail("not s3") }
        XCTAssertEqual(records, [.init(bucket: "in", key: "a b.mp4", eventName: "ObjectCreated:Put", size: 10)])
        guard case .s3TestEvent = try parse(envelope(#"{"Service": "Amazon S3", "Event": "s3:TestEvent"}"#)) else { return XCTFail("not the test event") }
        XCTAssertThrowsError(try parse(envelope(envelope(s3)))) { XCTAssertTrue("\($0)".contains("inside an SNS notification"), "\($0)") }

        // S3 → SNS → Lambda: the SNS records' messages, S3's test event skipped.
        func snsEvent(_ messages: [String]) -> String {
            let records = messages.map { #"{"EventSource": "aws:sns", "EventVersion": "1.0", "Sns": \#(envelope($0))}"# }
            return #"{"Records": [\#(records.joined(separator: ", "))]}"#
        }
        guard case .s3(let viaSNS) = try parse(snsEvent([s3, #"{"Service": "Amazon S3", "Event": "s3:TestEvent"}"#])) else { return XCTFail("not s3") }
        XCTAssertEqual(viaSNS.map(\.uri), ["s3://in/a b.mp4"])
        guard case .s3TestEvent = try parse(snsEvent([#"{"Service": "Amazon S3", "Event": "s3:TestEvent"}"#])) else { return XCTFail("not the test event") }
        XCTAssertThrowsError(try parse(snsEvent([#"{"video": "a.mp4"}"#]))) { XCTAssertTrue("\($0)".contains("must be an S3 notification"), "\($0)") }
    }

    /// What SNS sends a subscribed queue first is named, with the URL that confirms it (it was
    /// "the event has no "video" field").
    func testSNSConfirmationsAreNamed() {
        assertInvalid(#"{"Type": "SubscriptionConfirmation", "TopicArn": "arn:aws:sns:us-east-1:1:uploads", "Token": "t", "#
                      + #""Message": "You have chosen to subscribe", "SubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=t"}"#,
                      "an SNS subscription confirmation from arn:aws:sns:us-east-1:1:uploads, not a video event: confirm the subscription "
                      + "by opening its SubscribeURL, https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=t")
        assertInvalid(#"{"Type": "UnsubscribeConfirmation", "TopicArn": "arn:aws:sns:us-east-1:1:uploads", "Message": "unsubscribed"}"#,
                      "an SNS unsubscribe confirmation from arn:aws:sns:us-east-1:1:uploads")
    }

    /// An empty object whose key ends in '/' is a folder the S3 console made, not a video.
    func testFolderMarkersAreKnown() throws {
        guard case .s3(let records) = try parse(#"{"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": "in"}, "object": {"key": "uploads/", "size": 0}}}]}"#) else { return XCTFail("not s3") }
        XCTAssertEqual(records.map(\.isFolderMarker), [true])
        guard case .s3(let video) = try parse(#"{"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": "in"}, "object": {"key": "uploads/a.mp4", "size": 0}}}]}"#) else { return XCTFail("not s3") }
        XCTAssertEqual(video.map(\.isFolderMarker), [false])
        guard case .s3(let unsized) = try parse(#"{"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": "in"}, "object": {"key": "uploads/"}}}]}"#) else { return XCTFail("not s3") }
        XCTAssertEqual(unsized.map(\.isFolderMarker), [true])
    }

    /// A direct event that happens to carry SNS's field names is read as a direct event (whose
    /// keys it then refuses), not as the notification.
    func testADirectEventIsNotTakenForAnSNSNotification() throws {
        assertInvalid(#"{"video": "a.mp4", "Type": "Notification", "TopicArn": "arn:aws:sns:x", "Message": "{}"}"#,
                      #"a key "Message" that no setting reads; a direct event takes"#)
    }
}
