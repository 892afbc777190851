// Postprocessing: activations, threshold ranges and verdicts, votes and their tie-breaking.
import XCTest
@testable import VideoFunction

final class PostprocessorTests: XCTestCase {
    private func emptyResult() -> AnalysisResult {
        AnalysisResult(function: "f", video: "v", model: .init(name: "m", sha256: "s"),
                       stream: .init(durationSeconds: 10, width: 1, height: 1, frameRate: 1, codec: "h264", rotation: 0),
                       sampledFrames: 0, bytesFetched: 0, timings: .init())
    }

    func testThresholdRangesAndVerdict() {
        let spec = FunctionConfig.PostprocessSpec(activation: "none", topK: 1, aggregate: ["max", "mean"],
                                                  threshold: .init(label: "unsafe", value: 0.5, verdicts: ["safe", "unsafe"]), vote: nil)
        var result = emptyResult()
        let raw: [[Float]] = [[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.9, 0.1], [0.4, 0.6]]
        Postprocessor(spec: spec, labels: ["safe", "unsafe"]).apply(raw, timestamps: [0, 2, 4, 6, 8], indices: [0, 1, 2, 3, 4], videoEnd: 10, into: &result, perFrame: true)
        XCTAssertEqual(result.threshold?.ranges, [.init(start: 2, end: 6), .init(start: 8, end: 10)])
        XCTAssertEqual(result.threshold?.verdict, "unsafe")
        XCTAssertEqual(result.threshold?.flaggedFrames, 3)
        XCTAssertEqual(result.aggregate?["max"]?["unsafe"], 0.8)
        XCTAssertEqual(result.frames?.map { $0.top[0].label }, ["safe", "unsafe", "unsafe", "safe", "unsafe"])
    }

    func testVotesBreakTiesByMeanScoreAndSoftmaxNormalises() {
        let spec = FunctionConfig.PostprocessSpec(activation: "softmax", topK: 2, aggregate: nil, threshold: nil, vote: true, labelMeanings: ["b": "meaning of b"])
        var result = emptyResult()
        let raw: [[Float]] = [[1, 0, 0], [0, 3, 0], [0, 4, 0], [1.1, 0, 0]]
        let processor = Postprocessor(spec: spec, labels: ["a", "b", "c"])
        for row in processor.scores(raw) { XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-5) }
        processor.apply(raw, timestamps: [0, 1, 2, 3], indices: [nil, nil, nil, nil], videoEnd: 4, into: &result, perFrame: false)
        XCTAssertEqual(result.vote?.votes, ["a": 2, "b": 2])
        XCTAssertEqual(result.vote?.label, "b", "a tie goes to the higher mean probability")
        XCTAssertEqual(result.vote?.confidence, 0.5)
        XCTAssertEqual(result.vote?.meaning, "meaning of b")
        XCTAssertNil(result.frames)
    }
}
