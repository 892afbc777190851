// Postprocessing: activations, threshold ranges and verdicts, votes and their tie-breaking.
import VideoIO
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
        Postprocessor(spec: spec, labels: ["safe", "unsafe"]).apply(raw, timestamps: [0, 2, 4, 6, 8], requested: [0, 2, 4, 6, 8], indices: [0, 1, 2, 3, 4],
                                                                  window: .init(planned: [0, 2, 4, 6, 8], windowEnd: 10), into: &result, perFrame: true)
        XCTAssertEqual(result.threshold?.ranges, [.init(start: 2, end: 6), .init(start: 8, end: 10)])
        XCTAssertEqual(result.threshold?.verdict, "unsafe")
        XCTAssertEqual(result.threshold?.flaggedFrames, 3)
        XCTAssertEqual(result.aggregate?["max"]?["unsafe"], 0.8)
        XCTAssertEqual(result.frames?.map { $0.top[0].label }, ["safe", "unsafe", "unsafe", "safe", "unsafe"])
    }

    /// An analysis that stopped early with no frame flagged has no verdict to give: the frames it
    /// never reached could have been flagged. One flagged frame is enough for the flagged verdict.
    func testAnAnalysisCutShortIsIncompleteUnlessFlagged() {
        let spec = FunctionConfig.PostprocessSpec(activation: "none", topK: 1, aggregate: nil,
                                                  threshold: .init(label: "unsafe", value: 0.5, verdicts: ["safe", "unsafe"]), vote: nil)
        func verdict(_ raw: [[Float]], stoppedEarly: String?, missing: [AnalysisResult.MissingFrame]? = nil) -> String? {
            var result = emptyResult()
            result.stoppedEarly = stoppedEarly
            result.missingFrames = missing
            Postprocessor(spec: spec, labels: ["safe", "unsafe"]).apply(raw, timestamps: [0, 2], requested: [0, 2], indices: [0, 1],
                                                                      window: .init(planned: [0, 2, 4, 6], windowEnd: 8), into: &result, perFrame: false)
            return result.threshold?.verdict
        }
        XCTAssertEqual(verdict([[0.9, 0.1], [0.8, 0.2]], stoppedEarly: nil), "safe")
        XCTAssertEqual(verdict([[0.9, 0.1], [0.8, 0.2]], stoppedEarly: "deadline: analysed 2 of 4 frames"), "incomplete")
        XCTAssertEqual(verdict([[0.9, 0.1], [0.2, 0.8]], stoppedEarly: "deadline: analysed 2 of 4 frames"), "unsafe")
        // Frames that would not decode (a truncated upload) were never looked at either.
        let truncated = [AnalysisResult.MissingFrame(timestamp: 4, reason: "the video data ends at 3.9 s")]
        XCTAssertEqual(verdict([[0.9, 0.1], [0.8, 0.2]], stoppedEarly: nil, missing: truncated), "incomplete")
        XCTAssertEqual(verdict([[0.9, 0.1], [0.2, 0.8]], stoppedEarly: nil, missing: truncated), "unsafe")
    }

    /// A flagged range open at the last analysed frame ends at the next planned sample when the
    /// analysis stopped early (or the frames after it would not decode), and at the request's end
    /// within the video otherwise: time not analysed is not reported as flagged.
    func testAnOpenRangeEndsWhereTheAnalysisEnded() {
        let flagged = [false, true, true]
        let times: [Double] = [10, 12, 14]
        XCTAssertEqual(Postprocessor.ranges(flagged: flagged, requested: times, window: .init(planned: [10, 12, 14, 16, 18], windowEnd: 20)),
                       [.init(start: 12, end: 16)], "stopped early after 14: the next planned sample is 16")
        XCTAssertEqual(Postprocessor.ranges(flagged: flagged, requested: times, window: .init(planned: [10, 12, 14], windowEnd: 16)),
                       [.init(start: 12, end: 16)], "every planned frame analysed: the window's end (the request's 'end')")
        // A sample between two flagged ones that would not decode splits the range at it.
        XCTAssertEqual(Postprocessor.ranges(flagged: [true, true], requested: [12, 16], window: .init(planned: [10, 12, 14, 16], windowEnd: 18)),
                       [.init(start: 12, end: 14), .init(start: 16, end: 18)])
        XCTAssertEqual(SamplingPlan.uniform(count: 4, start: 10, end: 20).windowEnd(videoEnd: 600), 20)
        XCTAssertEqual(SamplingPlan.uniform(count: 4, start: 10, end: 900).windowEnd(videoEnd: 600), 600)
        XCTAssertEqual(SamplingPlan.every(seconds: 2).windowEnd(videoEnd: 600), 600)
    }

    /// Frames are placed by the sample they were decoded for, not by their own time: sampled faster
    /// than the frame rate, several samples give one frame whose time is the last sample's (the
    /// range was cut into one piece per frame); and a frame whose time, rounded to its stream's
    /// clock, falls just before its sample (a hole in the range, or a range 0.3 ms long).
    func testRangesFollowThePlannedSamplesNotTheFramesOwnTimes() {
        let planned = (0..<8).map { Double($0) * 0.02 }  // every 20 ms, in a 25 fps video
        let frameTimes: [Double] = [0, 0.04, 0.04, 0.08, 0.08, 0.12, 0.12, 0.16]
        let processor = Postprocessor(spec: FunctionConfig.PostprocessSpec(activation: "none", topK: 1, aggregate: nil,
                                                                           threshold: .init(label: "unsafe", value: 0.5, verdicts: ["safe", "unsafe"]), vote: nil),
                                      labels: ["safe", "unsafe"])
        var result = emptyResult()
        processor.apply(Array(repeating: [0.1, 0.9], count: 8), timestamps: frameTimes, requested: planned, indices: Array(repeating: nil, count: 8),
                        window: .init(planned: planned, windowEnd: 0.16), into: &result, perFrame: true)
        XCTAssertEqual(result.threshold?.ranges, [.init(start: 0, end: 0.16)])
        XCTAssertEqual(result.frames?.map(\.timestamp), frameTimes, "each frame still shows its own time")
        // A frame at 0.333 s (a 1 ms clock) answering the sample at 0.3333: one range, from its sample.
        let third = 1.0 / 3
        XCTAssertEqual(Postprocessor.ranges(flagged: [true, true, true], requested: [0, third, 2 * third],
                                            window: .init(planned: [0, third, 2 * third, 1], windowEnd: 10)),
                       [.init(start: 0, end: 1)])
        XCTAssertEqual(Postprocessor.ranges(flagged: [false, true, false], requested: [0, third, 2 * third],
                                            window: .init(planned: [0, third, 2 * third, 1], windowEnd: 10)),
                       [.init(start: third, end: 2 * third)])
    }

    func testVotesBreakTiesByMeanScoreAndSoftmaxNormalises() {
        let spec = FunctionConfig.PostprocessSpec(activation: "softmax", topK: 2, aggregate: nil, threshold: nil, vote: true, labelMeanings: ["b": "meaning of b"])
        var result = emptyResult()
        let raw: [[Float]] = [[1, 0, 0], [0, 3, 0], [0, 4, 0], [1.1, 0, 0]]
        let processor = Postprocessor(spec: spec, labels: ["a", "b", "c"])
        for row in processor.scores(raw) { XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-5) }
        processor.apply(raw, timestamps: [0, 1, 2, 3], requested: [0, 1, 2, 3], indices: [nil, nil, nil, nil], window: .init(planned: [0, 1, 2, 3], windowEnd: 4),
                        into: &result, perFrame: false)
        XCTAssertEqual(result.vote?.votes, ["a": 2, "b": 2])
        XCTAssertEqual(result.vote?.label, "b", "a tie goes to the higher mean probability")
        XCTAssertEqual(result.vote?.confidence, 0.5)
        XCTAssertEqual(result.vote?.meaning, "meaning of b")
        XCTAssertNil(result.frames)
    }
}
