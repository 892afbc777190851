// Events of every kind, damaged the same way on every run (a fixed seed): a field replaced by a value
// of another type, an extreme number, an empty or huge string, a hostile URI, a field removed, the
// bytes cut short. Each parses (and so do the messages it carries) or fails with a VideoFunctionError
// whose message stays short, never with another error or a crash.
import Foundation
import LambdaRuntime
import TestServers
import XCTest
@testable import VideoFunction

final class HostileEventTests: XCTestCase {
    private static let hostileValues: [JSONValue] = [
        .null, .bool(true), .number(-1), .number(0), .number(2.5), .number(1e300), .number(-1e300), .number(1e16),
        .string(""), .string("16"), .string(String(repeating: "a", count: 20_000)), .string("s3://"), .string("s3:///key"),
        .string("s3://b/\u{0}k"), .string("https://"), .string("file:///etc/passwd"), .string("../../etc/passwd"),
        .string("http://169.254.169.254/latest/meta-data/"), .array([]), .array([.number(1), .string("x")]), .object([:]),
        .object(["Records": .array([])]),
    ]

    private static let direct: JSONValue = .object(["video": .string("s3://bucket/clip.mp4"), "frames": .number(4), "start": .number(0),
                                                    "end": .number(5), "every": .number(1), "perFrame": .bool(true)])

    private static func s3Record(_ key: String) -> JSONValue {
        .object(["eventSource": .string("aws:s3"), "eventName": .string("ObjectCreated:Put"), "awsRegion": .string("us-east-1"),
                 "s3": .object(["bucket": .object(["name": .string("bucket")]), "object": .object(["key": .string(key), "size": .number(10)])])])
    }

    private static func text(_ value: JSONValue) -> String { String(decoding: try! JSONEncoder().encode(value), as: UTF8.self) }

    /// One of each kind of event the functions take.
    private static func baseEvent(_ kind: Int) -> JSONValue {
        switch kind {
        case 0: return direct
        case 1: return .object(["Records": .array([s3Record("clips/a+b%20c.mp4"), s3Record("x.mp4")])])
        case 2:
            let bodies = [text(direct), text(.object(["Records": .array([s3Record("k.mp4")])]))]
            return .object(["Records": .array(bodies.enumerated().map { index, body in
                .object(["messageId": .string("m\(index)"), "eventSource": .string("aws:sqs"), "body": .string(body), "receiptHandle": .string("r")])
            })])
        case 3:
            let message = text(.object(["Records": .array([s3Record("k.mp4")])]))
            return .object(["Records": .array([.object(["EventSource": .string("aws:sns"),
                                                        "Sns": .object(["Type": .string("Notification"), "Message": .string(message)])])])])
        default:
            return .object(["version": .string("2.0"), "routeKey": .string("POST /"), "rawPath": .string("/"),
                            "headers": .object(["content-type": .string("application/json")]),
                            "requestContext": .object(["http": .object(["method": .string("POST"), "path": .string("/")]), "timeEpoch": .number(1)]),
                            "body": .string(Data(text(direct).utf8).base64EncodedString()), "isBase64Encoded": .bool(true)])
        }
    }

    /// Replaces, removes or adds one value somewhere in `value`.
    private static func damage(_ value: JSONValue, depth: Int = 0, using generator: inout SeededGenerator) -> JSONValue {
        switch value {
        case .object(var fields) where !fields.isEmpty && Double.random(in: 0..<1, using: &generator) < 0.75:
            let key = fields.keys.sorted().randomElement(using: &generator)!
            switch Int.random(in: 0..<10, using: &generator) {
            case 0, 1: fields[key] = nil
            case 2: fields["video"] = hostileValues.randomElement(using: &generator)!
            case 3...5 where depth < 5: fields[key] = damage(fields[key]!, depth: depth + 1, using: &generator)
            default: fields[key] = hostileValues.randomElement(using: &generator)!
            }
            return .object(fields)
        case .array(var items) where !items.isEmpty && Double.random(in: 0..<1, using: &generator) < 0.75:
            let index = Int.random(in: 0..<items.count, using: &generator)
            items[index] = depth < 5 && Bool.random(using: &generator)
                ? damage(items[index], depth: depth + 1, using: &generator) : hostileValues.randomElement(using: &generator)!
            return .array(items)
        case .string(let string) where string.hasPrefix("{") && Bool.random(using: &generator):
            // A message or body that is itself an event.
            guard let inner = try? JSONValue(parsing: Array(string.utf8)) else { return value }
            return .string(text(damage(inner, depth: depth + 1, using: &generator)))
        default:
            return hostileValues.randomElement(using: &generator)!
        }
    }

    /// Parses `bytes` as an event and, for a batch or an HTTP request, the events it carries.
    private func parseAll(_ bytes: [UInt8]) throws {
        switch try FunctionEvent.parse(bytes) {
        case .sqs(let messages):
            for message in messages { try? assertParsesOrRefuses(Array(message.body.utf8)) }
        case .http(let request):
            let body = request.isBase64Encoded ? Data(base64Encoded: request.body).map { [UInt8]($0) } ?? [] : Array(request.body.utf8)
            try? assertParsesOrRefuses(body)
        default:
            break
        }
    }

    private func assertParsesOrRefuses(_ bytes: [UInt8], _ label: @autoclosure () -> String = "") throws {
        do {
            try parseAll(bytes)
        } catch let error as VideoFunctionError {
            XCTAssertLessThan("\(error)".utf8.count, 2000, "an error quotes too much of its event: \(label()) \("\(error)".prefix(300))")
            throw error
        } catch {
            XCTFail("\(label()): \(error) is not a VideoFunctionError")
            throw error
        }
    }

    func testEveryDamagedEventParsesOrIsRefusedWithAShortFunctionError() throws {
        var generator = SeededGenerator(seed: 20_261_127)
        var parsed = 0, refused = 0
        for round in 0..<5000 {
            var event = Self.baseEvent(round % 5)
            for _ in 0..<[1, 1, 2, 4].randomElement(using: &generator)! { event = Self.damage(event, using: &generator) }
            var bytes = Array(Self.text(event).utf8)
            if Int.random(in: 0..<20, using: &generator) == 0 { bytes.removeLast(Int.random(in: 0..<bytes.count, using: &generator)) }
            do {
                try assertParsesOrRefuses(bytes, "round \(round): \(String(decoding: bytes.prefix(300), as: UTF8.self))")
                parsed += 1
            } catch {
                refused += 1
            }
        }
        XCTAssertGreaterThan(parsed, 300)
        XCTAssertGreaterThan(refused, 300)
    }
}
