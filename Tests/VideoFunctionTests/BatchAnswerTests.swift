// A queued message whose analysis stopped at the deadline is a failure (retried), not an answer.
import XCTest
@testable import VideoFunction

final class BatchAnswerTests: XCTestCase {
    private func result(_ video: String, stoppedEarly: String? = nil) -> AnalysisResult {
        AnalysisResult(function: "video-moderation", video: video, model: .init(name: "open-nsfw", sha256: "0"),
                       stream: .init(durationSeconds: 10, width: 640, height: 360, frameRate: 30, codec: "h264", rotation: 0),
                       sampledFrames: 8, stoppedEarly: stoppedEarly, bytesFetched: 0, timings: .init())
    }

    func testAnAnalysisCutShortFailsItsMessage() {
        XCTAssertNil(VideoFunctionHandler.unfinished([result("a.mp4"), result("b.mp4")]))
        let failure = VideoFunctionHandler.unfinished([result("a.mp4"), result("b.mp4", stoppedEarly: "deadline: analysed 8 of 16 frames")])
        XCTAssertEqual(failure?.code, .timeout)
        XCTAssertEqual(failure?.message, "b.mp4: deadline: analysed 8 of 16 frames; left for a retry")
    }

    /// A NaN or infinite score is the model failing, said as such: JSON has no such numbers, and
    /// encoding the result failed with a message about writing it.
    func testNonFiniteScoresAreAnInferenceFailure() throws {
        XCTAssertEqual(try VideoAnalyzer.rows([0.25, 0.75, 1, 0], width: 2, source: "m"), [[0.25, 0.75], [1, 0]])
        for bad: Float in [.nan, .infinity, -.infinity] {
            XCTAssertThrowsError(try VideoAnalyzer.rows([0.25, 0.75, bad, 0], width: 2, source: "f: the model's output 'prob'")) { error in
                XCTAssertEqual((error as? VideoFunctionError)?.code, .inferenceFailed)
                XCTAssertTrue("\(error)".contains("f: the model's output 'prob' has a non-finite score (\(bad)) for frame 2 of the batch"), "\(error)")
            }
        }
    }

    /// The time left less a reserve never traps: a deadline far in the past is no time at all.
    func testTimeLeftLessAReserveSaturates() {
        XCTAssertEqual(VideoFunctionHandler.less(1_000, 300), 700)
        XCTAssertEqual(VideoFunctionHandler.less(.min, 500), .min)
        XCTAssertEqual(VideoFunctionHandler.less(.max, 500), .max - 500)
    }
}
