// OUTPUT_URI: a prefix or a <key> template, one result object per video; a single object is refused.
import XCTest
@testable import VideoFunction

final class OutputLocationTests: XCTestCase {
    func testPrefixesAndTemplatesNameOneObjectPerKey() throws {
        XCTAssertEqual(try OutputLocation("s3://out/results/").target(forKey: "uploads/clip one.mp4"),
                       "s3://out/results/uploads/clip one.mp4.json")
        XCTAssertEqual(try OutputLocation("s3://out/results/<key>.json").target(forKey: "uploads/a.mp4"),
                       "s3://out/results/uploads/a.mp4.json")
        XCTAssertEqual(try OutputLocation("s3://out/<key>/result.json").target(forKey: "m-1"), "s3://out/m-1/result.json")
        // A file URI is percent-decoded when written: a key's own '%' is escaped so that it stays one.
        XCTAssertEqual(try OutputLocation("file:///tmp/results/").target(forKey: "a%20b.mp4"), "file:///tmp/results/a%2520b.mp4.json")
        XCTAssertEqual(try OutputLocation("/tmp/results/").target(forKey: "a%20b.mp4"), "/tmp/results/a%20b.mp4.json")
    }

    func testASingleObjectIsAnInitError() {
        XCTAssertThrowsError(try OutputLocation("s3://out/results.json")) { error in
            XCTAssertEqual((error as? VideoFunctionError)?.code, .invalidConfig)
            XCTAssertTrue("\(error)".contains("end it with '/'"), "\(error)")
        }
    }
}
