// The deadline checks' estimate: decoding scales with the picture, inference with the frame count.
import XCTest
@testable import VideoFunction

final class BatchCostTests: XCTestCase {
    func testAnEstimateForALargerPictureScalesItsDecoding() {
        var cost = BatchCost()
        XCTAssertEqual(cost.expectedMs(frames: 8), 0, "nothing known before the first batch")
        // 8 frames of 640x360 (0.2304 MP): 80 ms decoding, 400 ms in all.
        cost.record(frames: 8, inferredFrames: 8, megapixels: 0.2304, decodeMs: 80, totalMs: 400)
        XCTAssertEqual(cost.expectedMs(frames: 8), 600, accuracy: 1e-9, "the same again, half again as margin")
        XCTAssertEqual(cost.expectedMs(frames: 16, megapixels: 0.2304), 1200, accuracy: 1e-9)
        // 4K (8.2944 MP, 36 times the pixels): decoding 36 times as long, inference the same.
        XCTAssertEqual(cost.expectedMs(frames: 8, megapixels: 8.2944), (80 * 36 + 320) * 1.5, accuracy: 1e-6)
        // A tiny picture counts as 0.1 MP, so that its decoding does not look free per megapixel.
        cost.record(frames: 1, inferredFrames: 1, megapixels: 0.0023, decodeMs: 1, totalMs: 41)
        XCTAssertEqual(cost.expectedMs(frames: 1, megapixels: 1), (10 + 40) * 1.5, accuracy: 1e-9)
    }

    /// A batch none of whose frames decoded ran no inference: recorded, it made the next batch (of
    /// the next video too) look nearly free, and that batch could start with no time left.
    func testABatchThatDecodedNothingIsNotRecorded() {
        var cost = BatchCost()
        cost.record(frames: 8, inferredFrames: 8, megapixels: 0.2304, decodeMs: 80, totalMs: 400)
        cost.record(frames: 8, inferredFrames: 0, megapixels: 0.2304, decodeMs: 30, totalMs: 31)
        XCTAssertEqual(cost.expectedMs(frames: 8), 600, accuracy: 1e-9)
        // Some frames decoded: inference is per frame inferred, decoding per frame tried.
        cost.record(frames: 8, inferredFrames: 4, megapixels: 0.2304, decodeMs: 80, totalMs: 240)
        XCTAssertEqual(cost.otherMsPerFrame, 40, accuracy: 1e-9)
        XCTAssertEqual(cost.decodeMsPerFrameMegapixel, 10 / 0.2304, accuracy: 1e-9)
    }
}
