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

    /// The time left less a reserve never traps: a deadline far in the past is no time at all.
    func testTimeLeftLessAReserveSaturates() {
        XCTAssertEqual(VideoFunctionHandler.less(1_000, 300), 700)
        XCTAssertEqual(VideoFunctionHandler.less(.min, 500), .min)
        XCTAssertEqual(VideoFunctionHandler.less(.max, 500), .max - 500)
    }
}
