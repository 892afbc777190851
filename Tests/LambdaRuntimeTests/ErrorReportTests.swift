// Error names and bodies as the Runtime API's contract spells them.
import XCTest
@testable import LambdaRuntime

final class ErrorReportTests: XCTestCase {
    private let grammar = #/^(Runtime|Function)\.[A-Z][a-zA-Z]+$/#

    func testNamesAlwaysMatchTheHeaderGrammar() {
        struct lower_case_error: Error {}
        struct E: Error {}
        enum Nested { struct Deep: Error {} }
        for error in [lower_case_error() as Error, E(), Nested.Deep(), DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "x")),
                      FunctionError("", "empty name"), FunctionError("bad name-42", "odd name")] {
            let type = ErrorReport.function(error).errorType
            XCTAssertNotNil(try? grammar.wholeMatch(in: type), "'\(type)' does not match the grammar")
        }
        XCTAssertEqual(ErrorReport.sanitizedName("bad name-42"), "BadName")
        XCTAssertEqual(ErrorReport.sanitizedName("E"), "EError")
        XCTAssertEqual(ErrorReport.runtime("init error", "m").errorType, "Runtime.InitError")
    }

    func testJSONBodyAndXRayCauseAreValidJSON() throws {
        let report = ErrorReport(errorType: "Function.X", errorMessage: "quote \" backslash \\ newline \n tab \t ctrl \u{1}",
                                 stackTrace: ["a", "b"])
        let body = try JSONSerialization.jsonObject(with: Data(report.jsonBody.utf8)) as? [String: Any]
        XCTAssertEqual(body?["errorMessage"] as? String, report.errorMessage)
        XCTAssertEqual(body?["errorType"] as? String, "Function.X")
        XCTAssertEqual(body?["stackTrace"] as? [String], ["a", "b"])
        let cause = try JSONSerialization.jsonObject(with: Data(report.xrayCause(workingDirectory: "/var/task").utf8)) as? [String: Any]
        XCTAssertEqual(cause?["working_directory"] as? String, "/var/task")
        XCTAssertEqual(((cause?["exceptions"] as? [[String: Any]])?.first)?["type"] as? String, "Function.X")
        // Lambda's runtimes always send the stack member, empty when there is none.
        XCTAssertEqual(((cause?["exceptions"] as? [[String: Any]])?.first)?["stack"] as? [String], [])
    }

    /// A message that quotes a huge input (a 200 KB event field) is cut: the error post must fit
    /// (the X-Ray cause is a header, which servers cap at tens of KB) and still say how long it was.
    func testLongMessagesAreCutOnCharacterBoundaries() throws {
        let long = String(repeating: "é", count: 100_000) + "end"
        let report = ErrorReport(errorType: "Function.InvalidEvent", errorMessage: long)
        XCTAssertLessThanOrEqual(report.errorMessage.utf8.count, ErrorReport.maximumMessageBytes)
        XCTAssertTrue(report.errorMessage.hasSuffix("… (200003 bytes in all)"), String(report.errorMessage.suffix(40)))
        XCTAssertTrue(report.errorMessage.hasPrefix("éé"))
        let cause = report.xrayCause(workingDirectory: "/var/task")
        XCTAssertLessThan(cause.utf8.count, ErrorReport.maximumCauseMessageBytes + 200)
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(cause.utf8)))
        XCTAssertEqual(ErrorReport(errorType: "Function.X", errorMessage: "short").errorMessage, "short")
    }
}
