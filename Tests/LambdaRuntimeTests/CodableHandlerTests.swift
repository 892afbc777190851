// The Codable layer: decoding events, encoding results, and what a bad event reports.
import XCTest
@testable import LambdaRuntime

final class CodableHandlerTests: XCTestCase {
    struct Request: Decodable { let video: String; let frames: Int }
    struct Reply: Encodable { let video: String; let double: Int }
    struct Doubler: LambdaCodableHandler {
        func handle(_ event: Request, context: LambdaContext) throws -> Reply { Reply(video: event.video, double: event.frames * 2) }
    }

    private let context = LambdaContext(invocation: invocation("r"), logger: LambdaLogger(sink: LogSink { _ in }))

    func testDecodesTheEventAndEncodesTheResult() throws {
        let out = try CodableHandlerAdapter(Doubler()).handle(Array(#"{"video":"s3://b/k.mp4","frames":8}"#.utf8), context: context)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), #"{"double":16,"video":"s3://b/k.mp4"}"#)
    }

    func testMissingFieldIsAnInvalidEventNamingTheField() {
        XCTAssertThrowsError(try CodableHandlerAdapter(Doubler()).handle(Array(#"{"frames":8}"#.utf8), context: context)) { error in
            let report = ErrorReport.function(error)
            XCTAssertEqual(report.errorType, "Function.InvalidEvent")
            XCTAssertTrue(report.errorMessage.contains("missing field 'video'"), report.errorMessage)
        }
    }

    func testWrongTypeAndNonJSONAreInvalidEvents() {
        XCTAssertThrowsError(try CodableHandlerAdapter(Doubler()).handle(Array(#"{"video":"v","frames":"8"}"#.utf8), context: context)) {
            XCTAssertTrue(ErrorReport.function($0).errorMessage.contains("expected Int at frames"), ErrorReport.function($0).errorMessage)
        }
        XCTAssertThrowsError(try CodableHandlerAdapter(Doubler()).handle(Array("<xml/>".utf8), context: context)) {
            XCTAssertTrue(ErrorReport.function($0).errorMessage.contains("not valid JSON"))
        }
    }

    func testEchoHandlerReturnsTheEventAndContext() throws {
        let out = try EchoHandler().handle(Array(#"{"a":[1,true,null]}"#.utf8), context: context)
        let json = try JSONSerialization.jsonObject(with: Data(out)) as? [String: Any]
        XCTAssertEqual(json?["requestId"] as? String, "r")
        XCTAssertEqual((json?["event"] as? [String: Any])?["a"] as? NSArray, [1, true, NSNull()] as NSArray)
        XCTAssertThrowsError(try EchoHandler().handle(Array("{\"a\":".utf8), context: context)) {
            let report = ErrorReport.function($0)
            XCTAssertEqual(report.errorType, "Function.InvalidEvent")
            XCTAssertTrue(report.errorMessage.contains("not valid JSON: unexpected end of input at byte 5"), report.errorMessage)
        }
    }
}
