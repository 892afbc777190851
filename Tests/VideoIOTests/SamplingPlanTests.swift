// Sampling plans as timestamps, and as frames: uniform, every S, keyframes, explicit; cost grows with N.
@testable import VideoIO
import XCTest

final class SamplingPlanTests: XCTestCase {
    private let tenSeconds = VideoStreamInfo(container: "mp4", codec: "h264", pixelFormat: "yuv420p", codedWidth: 640, codedHeight: 360,
                                             rotation: .none, duration: 10, frameRate: 30, frameCount: 300,
                                             frameCountIsExact: true, isConstantFrameRate: true)

    private func times(_ plan: SamplingPlan, _ info: VideoStreamInfo? = nil, keyframes: [Double] = []) throws -> [Double] {
        try plan.timestamps(for: info ?? tenSeconds, keyframes: KeyframeIndex(timestamps: keyframes, source: .containerIndex), uri: "test.mp4")
    }

    func testUniformCoversTheHalfOpenRange() throws {
        XCTAssertEqual(try times(.uniform(count: 4)), [0, 2.5, 5, 7.5])
        XCTAssertEqual(try times(.uniform(count: 2, start: 2, end: 4)), [2, 3])
        // The range is clamped to the video.
        XCTAssertEqual(try times(.uniform(count: 2, start: -5, end: 50)), [0, 5])
    }

    func testEveryStepsUntilTheEnd() throws {
        XCTAssertEqual(try times(.every(seconds: 3)), [0, 3, 6, 9])
        XCTAssertEqual(try times(.every(seconds: 0.5, start: 8.6, end: 9.7)), [8.6, 9.1, 9.6])
    }

    func testKeyframePlansSpreadOverTheKeyframes() throws {
        let keys = [0.0, 2, 4, 6, 8]
        XCTAssertEqual(try times(.keyframes(), keyframes: keys), keys)
        XCTAssertEqual(try times(.keyframes(maximumCount: 2), keyframes: keys), [0, 4])
        XCTAssertEqual(SamplingPlan.keyframes().seekMode, .keyframe)
        XCTAssertEqual(SamplingPlan.uniform(count: 1).seekMode, .accurate)
    }

    func testExplicitTimesAreClampedToTheLastFrame() throws {
        let result = try times(.timestamps([-1, 3, 42]))
        XCTAssertEqual(result[0], 0)
        XCTAssertEqual(result[1], 3)
        XCTAssertEqual(result[2], 10 - 1.0 / 30, accuracy: 1e-9)
    }

    func testBadPlansAreInvalidRequests() throws {
        let plans: [SamplingPlan] = [.uniform(count: 0), .uniform(count: 2, start: 5, end: 5), .every(seconds: 0),
                                     .every(seconds: 0.001), .timestamps([]), .timestamps([.nan]), .uniform(count: 5000),
                                     // More frames than an Int holds, a start no Int holds: errors, not traps.
                                     .every(seconds: 1e-300), .uniform(count: 2, start: 1e300), .every(seconds: 1, start: 1e300)]
        for plan in plans {
            XCTAssertThrowsError(try times(plan), "\(plan)") { error in
                XCTAssertEqual((error as? VideoIOError)?.code, .invalidRequest, "\(plan): \(error)")
            }
        }
    }

    func testTimesAndCountsFromDamagedFilesStayInRange() {
        XCTAssertEqual(VideoLimits.format(12), "12")
        XCTAssertEqual(VideoLimits.format(2.5), "2.500")
        XCTAssertEqual(VideoLimits.format(-2.25), "-2.250")
        XCTAssertEqual(VideoLimits.format(0.042), "0.042")
        XCTAssertEqual(VideoLimits.format(59.9996), "60.000", "the millisecond rounds up into the next second")
        XCTAssertEqual(VideoLimits.threeDecimals(7), "7.000")
        XCTAssertEqual(VideoLimits.threeDecimals(-0.0001), "0.000", "no sign on a value that rounds to zero")
        XCTAssertEqual(VideoLimits.format(1e300), "1e+300")
        XCTAssertEqual(VideoLimits.format(1e-300), "1e-300")
        XCTAssertEqual(VideoLimits.format(9.3e18), "9.3e+18")
        XCTAssertEqual(VideoReader.estimatedFrameCount(duration: 10, frameRate: 30), 300)
        XCTAssertEqual(VideoReader.estimatedFrameCount(duration: 9.2e18, frameRate: 2e9), Int(Int32.max))
        XCTAssertEqual(VideoReader.estimatedFrameCount(duration: .infinity, frameRate: 0), 0)
    }

    func testAnEmptyVideoHasNoFramesToSample() throws {
        var empty = tenSeconds
        empty.duration = 0
        empty.frameCount = 0
        XCTAssertThrowsError(try times(.uniform(count: 4), empty)) { error in
            XCTAssertEqual((error as? VideoIOError)?.code, .noFrames, "\(error)")
            XCTAssertTrue("\(error)".contains("0 frames"), "\(error)")
        }
    }

    func testPlansDecodeTheirFrames() throws {
        let reader = try TestVideos.open("h264.mp4")
        let uniform = try reader.frames(.uniform(count: 5))
        XCTAssertEqual(uniform.frames.map(\.timestamp), [0, 2, 4, 6, 8])
        XCTAssertEqual(uniform.frames.map(\.index), [0, 60, 120, 180, 240])
        XCTAssertTrue(uniform.frames.allSatisfy(\.isKeyframe))
        let every = try reader.frames(.every(seconds: 1.5, start: 1, end: 4))
        XCTAssertEqual(every.frames.map(\.timestamp), [1, 2.5], accuracy: 1e-9)
        let keyframes = try reader.frames(.keyframes())
        XCTAssertEqual(keyframes.frames.map(\.timestamp), [0, 2, 4, 6, 8])
        XCTAssertTrue(keyframes.frames.allSatisfy(\.isKeyframe))
        // After a keyframe-only request, accurate decoding is exact again.
        let exact = try reader.frames(at: [4.51])
        XCTAssertEqual(exact.frames[0].timestamp, 4.5 + 1.0 / 30, accuracy: 1e-6)
        XCTAssertFalse(exact.frames[0].isKeyframe)
    }

    func testKeyframeModeReturnsTheKeyframeAtOrBefore() throws {
        let batch = try TestVideos.open("h264.mp4").frames(at: [1.9, 2.1, 7.5], mode: .keyframe)
        XCTAssertEqual(batch.frames.map(\.timestamp), [0, 2, 6])
        XCTAssertEqual(batch.frames.map(\.requestedTimestamp), [1.9, 2.1, 7.5])
    }

    func testDuplicateAndNearbyTimesShareDecoding() throws {
        let reader = try TestVideos.open("h264.mp4")
        let batch = try reader.frames(at: [3.01, 3.01, 3.02, 3.2])
        XCTAssertEqual(batch.frames.count, 3, "duplicates are removed")
        XCTAssertEqual(batch.frames[0].timestamp, batch.frames[1].timestamp, "3.01 and 3.02 are both answered by the frame at 3.0333")
        XCTAssertEqual(batch.work.seeks, 1, "three targets in one GOP need one seek: \(batch.work)")
        // Going back in time needs a new seek and still finds the exact frame.
        let back = try reader.frames(at: [0.5])
        XCTAssertEqual(back.frames[0].timestamp, 0.5, accuracy: 1e-6)
        XCTAssertEqual(back.work.seeks, 1)
    }

    func testSamplingCostGrowsWithTheSampleCountNotTheLength() throws {
        let reader = try TestVideos.open("long_720p.mp4")
        let batch = try reader.frames(.uniform(count: 16))
        XCTAssertEqual(batch.frames.count, 16)
        XCTAssertLessThanOrEqual(batch.work.seeks, 16)
        // A GOP is 50 frames; decoding everything would be 15000.
        XCTAssertLessThan(batch.work.framesDecoded, 16 * 56, "\(batch.work)")
        XCTAssertLessThan(reader.readStatistics.bytesRead, 50_066_596 / 10, "\(reader.readStatistics)")
    }
}
