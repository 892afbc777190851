// function.json: the shipped ones load, and settings no function can run with are init errors that
// name the setting (a 100000x100000 input size used to abort the process allocating 240 GB).
import Foundation
import XCTest
@testable import VideoFunction

final class FunctionConfigTests: XCTestCase {
    private static let shipped = ["video-moderation", "video-orientation"]

    func testTheShippedFunctionsLoad() throws {
        for name in Self.shipped { XCTAssertNoThrow(try FunctionConfig.load(directory: "functions/\(name)"), name) }
    }

    /// video-moderation's function.json with `change` applied, loaded from a directory of its own.
    private func load(_ change: (inout [String: Any]) -> Void) throws -> FunctionConfig {
        let text = try Data(contentsOf: URL(fileURLWithPath: "functions/video-moderation/function.json"))
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: text) as? [String: Any])
        change(&json)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try JSONSerialization.data(withJSONObject: json).write(to: directory.appendingPathComponent("function.json"))
        return try FunctionConfig.load(directory: directory.path)
    }

    private func assertInvalid(_ text: String, line: UInt = #line, _ change: @escaping (inout [String: Any]) -> Void) {
        XCTAssertThrowsError(try load(change), line: line) { error in
            XCTAssertEqual((error as? VideoFunctionError)?.code, .invalidConfig, "\(error)", line: line)
            XCTAssertTrue("\(error)".contains(text), "\(error)", line: line)
        }
    }

    private func set(_ section: String, _ key: String, _ value: Any) -> (inout [String: Any]) -> Void {
        { json in
            var part = json[section] as! [String: Any]
            part[key] = value
            json[section] = part
        }
    }

    func testSettingsNoFunctionCanRunWithAreInitErrors() {
        assertInvalid("the input size 100000x100000 must be positive and at most 8294400 pixels") { json in
            self.set("preprocess", "width", 100_000)(&json); self.set("preprocess", "height", 100_000)(&json)
        }
        assertInvalid("the input size 0x224") { json in self.set("preprocess", "width", 0)(&json) }
        assertInvalid("the resize's size 1099511627776x256") { json in
            self.set("preprocess", "resize", ["mode": "stretch-then-crop", "width": 1 << 40, "height": 256])(&json)
        }
        assertInvalid("std not zero") { json in self.set("preprocess", "std", [0, 1, 1])(&json) }
        assertInvalid("batchSize (-3)") { json in self.set("sampling", "batchSize", -3)(&json) }
        assertInvalid("maximumFrames (5000) <= 1024") { json in self.set("sampling", "maximumFrames", 5000)(&json) }
        assertInvalid("frames (300)") { json in self.set("sampling", "frames", 300)(&json) }
        assertInvalid("postprocess.topK must be at least 1") { json in self.set("postprocess", "topK", 0)(&json) }
        assertInvalid("postprocess.topK is 3, but there are 2 labels") { json in self.set("postprocess", "topK", 3)(&json) }
        assertInvalid("labels is empty") { json in json["labels"] = [String]() }
        // A misspelt setting would silently not apply (no threshold, so no verdict at all).
        assertInvalid("'postprocess.treshold' is not a setting") { json in
            self.set("postprocess", "treshold", ["label": "unsafe", "value": 0.5, "verdicts": ["a", "b"]])(&json)
        }
        assertInvalid("'sampling.frame' is not a setting") { json in self.set("sampling", "frame", 4)(&json) }
        assertInvalid("'topk' is not a setting") { json in json["topk"] = 2 }
        assertInvalid("'preprocess.resize.side' is not a setting") { json in
            self.set("preprocess", "resize", ["mode": "shorter-side-then-crop", "shorterSide": 256, "side": 1])(&json)
        }
        // An aggregate we do not compute must not come out as a mean under its name.
        assertInvalid("postprocess.aggregate 'min' is not mean or max") { json in self.set("postprocess", "aggregate", ["max", "min"])(&json) }
        assertInvalid("postprocess.threshold.label 'nope' is not one of the labels") { json in
            self.set("postprocess", "threshold", ["label": "nope", "value": 0.5, "verdicts": ["a", "b"]])(&json)
        }
        assertInvalid("two verdicts") { json in
            self.set("postprocess", "threshold", ["label": "unsafe", "value": 0.5, "verdicts": ["a"]])(&json)
        }
    }
}
