// The function an Invoke request names: a name, a partial or full ARN, each with an optional qualifier.
@testable import LambdaEmulator
import XCTest

final class InvokeTargetTests: XCTestCase {
    private func target(_ name: String, query: String = "") throws -> InvokeTarget {
        try InvokeTarget.parse(functionName: name, query: query)
    }

    func testNamesARNsAndQualifiers() throws {
        let cases: [(String, InvokeTarget)] = [
            ("function", InvokeTarget(name: "function", qualifier: nil)),
            // The RIE's name with a qualifier (the ARN pattern alone read it as a function named "prod").
            ("function:prod", InvokeTarget(name: "function", qualifier: "prod")),
            ("function:1", InvokeTarget(name: "function", qualifier: "1")),
            ("my-fn:$LATEST", InvokeTarget(name: "my-fn", qualifier: "$LATEST")),
            ("123456789012:function:my-fn", InvokeTarget(name: "my-fn", qualifier: nil)),
            ("123456789012:function:my-fn:live", InvokeTarget(name: "my-fn", qualifier: "live")),
            ("arn:aws:lambda:us-east-1:123456789012:function:function:prod", InvokeTarget(name: "function", qualifier: "prod")),
            ("arn:aws:lambda:eu-west-1:123456789012:function:my-fn", InvokeTarget(name: "my-fn", qualifier: nil)),
        ]
        for (name, expected) in cases { XCTAssertEqual(try target(name), expected, name) }
        XCTAssertEqual(try target("my-fn", query: "Qualifier=live"), InvokeTarget(name: "my-fn", qualifier: "live"))
        XCTAssertEqual(try target("my-fn", query: "Qualifier="), InvokeTarget(name: "my-fn", qualifier: nil))
    }

    func testRefusals() {
        XCTAssertThrowsError(try target("a b")) { XCTAssertEqual($0 as? InvokeTarget.Refusal, .notAFunctionName) }
        XCTAssertThrowsError(try target("my-fn:prod", query: "Qualifier=live")) { error in
            guard case .badQualifier(let why)? = error as? InvokeTarget.Refusal else { return XCTFail("\(error)") }
            XCTAssertTrue(why.contains("does not match"), why)
        }
        XCTAssertThrowsError(try target("my-fn", query: "Qualifier=\(String(repeating: "q", count: 129))"))
    }
}
