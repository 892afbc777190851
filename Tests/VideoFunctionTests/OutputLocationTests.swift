// OUTPUT_URI: a prefix or a <key> template, one result object per video; a single object is refused.
import ObjectStore
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

    /// Under a local OUTPUT_URI a key with a "." or ".." segment would put its result elsewhere in
    /// the tree (a message id "../escaped" wrote beside the prefix): refused. S3 keeps such keys as they are.
    func testALocalResultStaysUnderItsPrefix() throws {
        for uri in ["/tmp/results/", "file:///tmp/results/<key>.json"] {
            let output = try OutputLocation(uri)
            for key in ["../escaped", "dir/../x.mp4", "./a", "a/."] {
                XCTAssertThrowsError(try output.checkStaysInside(key: key, video: "v.mp4"), "\(uri) \(key)") { error in
                    XCTAssertEqual((error as? VideoFunctionError)?.code, .outputFailed)
                    XCTAssertTrue("\(error)".contains("its key '\(key)' has a"), "\(error)")
                }
            }
            XCTAssertNoThrow(try output.checkStaysInside(key: "a..b/c.mp4", video: "v.mp4"))
        }
        XCTAssertNoThrow(try OutputLocation("s3://out/results/").checkStaysInside(key: "../escaped", video: "v.mp4"))
    }

    /// An object where the function writes its results is recognised, so that a bucket that is both
    /// input and output does not have the function analyse (and fail on, and retry) its own results.
    func testItKnowsItsOwnResults() throws {
        let prefix = try OutputLocation("s3://media/results/")
        XCTAssertTrue(prefix.holds(bucket: "media", key: "results/uploads/a.mp4.json"))
        XCTAssertTrue(prefix.holds(bucket: "media", key: prefix.target(forKey: "uploads/a.mp4").dropFirst("s3://media/".count).description))
        XCTAssertFalse(prefix.holds(bucket: "media", key: "uploads/a.mp4"))
        XCTAssertFalse(prefix.holds(bucket: "media", key: "results/a.mp4"), "not a result: no .json")
        XCTAssertFalse(prefix.holds(bucket: "other", key: "results/uploads/a.mp4.json"))
        let template = try OutputLocation("s3://media/<key>/result.json")
        XCTAssertTrue(template.holds(bucket: "media", key: "m-1/result.json"))
        XCTAssertFalse(template.holds(bucket: "media", key: "m-1/clip.mp4"))
        XCTAssertFalse(template.holds(bucket: "media", key: "/result.json".dropFirst().description), "the key cannot be shorter than the template's text")
        XCTAssertFalse(try OutputLocation("/tmp/results/").holds(bucket: "tmp", key: "results/a.json"))
    }

    /// A result key past S3's 1024 bytes keeps the start of the video's key and its digest, so
    /// that two long keys sharing their start still get results of their own.
    func testALongKeyIsShortenedToFitS3() throws {
        let location = try OutputLocation("s3://out/results/video-moderation/")
        let start = String(repeating: "uploads/é", count: 100)
        let (first, second) = (location.target(forKey: start + "-1.mp4"), location.target(forKey: start + "-2.mp4"))
        XCTAssertNotEqual(first, second)
        for (target, key) in [(first, start + "-1.mp4"), (second, start + "-2.mp4")] {
            guard case .s3(let bucket, let targetKey) = try ObjectURI(parsing: target) else { return XCTFail(target) }
            XCTAssertEqual(bucket, "out")
            XCTAssertLessThanOrEqual(targetKey.utf8.count, 1024, target)
            XCTAssertGreaterThan(targetKey.utf8.count, 1000, "as much of the key as fits is kept: \(target)")
            XCTAssertTrue(targetKey.hasPrefix("results/video-moderation/uploads/éuploads/"), target)
            XCTAssertTrue(targetKey.hasSuffix("-" + sha256Hex(Array(key.utf8)) + ".json"), target)
        }
        // A template with the key twice shares the room between both places.
        let twice = try OutputLocation("s3://out/<key>/result-<key>.json").target(forKey: start)
        guard case .s3(_, let twiceKey) = try ObjectURI(parsing: twice) else { return XCTFail(twice) }
        XCTAssertLessThanOrEqual(twiceKey.utf8.count, 1024, twice)
        // Keys that fit, and files, are left as they are.
        XCTAssertEqual(location.target(forKey: "a.mp4"), "s3://out/results/video-moderation/a.mp4.json")
        XCTAssertEqual(try OutputLocation("/tmp/results/").target(forKey: start), "/tmp/results/" + start + ".json")
    }

    func testASingleObjectIsAnInitError() {
        XCTAssertThrowsError(try OutputLocation("s3://out/results.json")) { error in
            XCTAssertEqual((error as? VideoFunctionError)?.code, .invalidConfig)
            XCTAssertTrue("\(error)".contains("end it with '/'"), "\(error)")
        }
    }
}
