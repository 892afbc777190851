// The runtime's JSON reader and writer against Foundation's JSONSerialization, and its errors.
import Foundation
import XCTest
@testable import LambdaRuntime

final class JSONParserTests: XCTestCase {
    private func parse(_ text: String) throws -> JSONValue { try JSONValue(parsing: Array(text.utf8)) }

    func testReadsWhatFoundationReadsAndWritesItBack() throws {
        let documents = [
            #"{"video":"s3://b/k.mp4","frames":16,"start":1.5,"perFrame":true,"labels":null}"#,
            #" [ 0, -0, 1e-7, -2.5E+3, 12345678901234, 0.1, [], {}, [[[]]] ] "#,
            #"{"escapes":"quote \" backslash \\ slash \/ tab \t newline \n \u00e9 \ud83d\ude00 \u0001"}"#,
            #""just a string""#, "true", "null", "42",
            #"{"Records":[{"s3":{"bucket":{"name":"in"},"object":{"key":"a%20b.mp4","size":1024}}}]}"#,
        ]
        for document in documents {
            let ours = try parse(document)
            let theirs = try JSONSerialization.jsonObject(with: Data(document.utf8), options: .fragmentsAllowed)
            // Written back by us, read by Foundation: the same value.
            let again = try JSONSerialization.jsonObject(with: Data(ours.jsonBytes), options: .fragmentsAllowed)
            XCTAssertEqual(again as? NSObject, theirs as? NSObject, document)
            XCTAssertEqual(try JSONValue(parsing: ours.jsonBytes), ours, document)
        }
        XCTAssertEqual(try parse(#""\ud83d\ude00 \u00e9""#), .string("😀 é"))
        // Whole numbers are written back as integers while Int64 holds them (an id, a timestamp in µs).
        XCTAssertEqual(String(decoding: try parse("[1234567890123456, 9007199254740992, -4e15, 1e19, 2.5]").jsonBytes, as: UTF8.self),
                       "[1234567890123456,9007199254740992,-4000000000000000,1e+19,2.5]")
        XCTAssertEqual(String(decoding: try parse(#"{"b":[1,2.5],"a":"x\u0001"}"#).jsonBytes, as: UTF8.self), #"{"a":"x\u0001","b":[1,2.5]}"#)
    }

    /// Strings are written as runs between the characters that need an escape: escapes first,
    /// last, next to each other, alone, and none at all.
    func testWritesEscapesWhereverTheyAreInAString() {
        let cases: [(String, String)] = [
            ("", #""""#),
            ("plain é 😀", #""plain é 😀""#),
            ("\"quoted\"", #""\"quoted\"""#),
            ("a\\b", #""a\\b""#),
            ("\n\r\t\u{1}\u{1f}", #""\n\r\t\u0001\u001f""#),
            ("end\n", #""end\n""#),
            ("\"", #""\"""#),
        ]
        for (string, written) in cases {
            XCTAssertEqual(String(decoding: JSONValue.string(string).jsonBytes, as: UTF8.self), written, string)
        }
    }

    func testRejectsWhatIsNotJSONSayingWhereAndWhy() {
        let cases: [(String, String)] = [
            ("", "unexpected end of input at byte 0"),
            (#"{"a":1,}"#, "expected a member name in quotes at byte 7"),
            (#"[1,2"#, "expected ',' or ']' in an array at byte 4"),
            (#""open"#, "unterminated string at byte 5"),
            ("\"tab\there\"", "unescaped control character in a string at byte 4"),
            (#""\ud83d""#, "unpaired surrogate"),
            (#""\x""#, "invalid escape \\'x'"),
            ("01", "unexpected '1' after the JSON value at byte 1"),
            ("1.", "expected a digit after '.' at byte 2"),
            ("-", "expected a digit at byte 1"),
            ("1e999", "out of range"),
            ("tru", "unexpected 't' at byte 0"),
            (#"{"a":1} x"#, "unexpected 'x' after the JSON value at byte 8"),
            (String(repeating: "[", count: 600), "nesting deeper than 512 levels"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try parse(text), text) { error in
                XCTAssertTrue("\(error)".contains(message), "\(text): \(error)")
            }
        }
        XCTAssertThrowsError(try JSONValue(parsing: [0x22, 0xFF, 0xFE, 0x22])) { error in
            XCTAssertTrue("\(error)".contains("invalid UTF-8"), "\(error)")
        }
    }
}
