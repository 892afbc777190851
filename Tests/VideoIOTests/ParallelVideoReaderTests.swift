// Several decoders side by side give exactly the frames one reader gives: same frames, same pixels,
// same missing timestamps, same errors.
import Foundation
import ObjectStore
import VideoIO
import XCTest

final class ParallelVideoReaderTests: XCTestCase {
    private func parallel(_ name: String, lanes: Int) throws -> ParallelVideoReader {
        try ParallelVideoReader(uri: try TestVideos.path(name), store: TestVideos.store, maximumLanes: lanes)
    }

    /// Decodes `times` with one reader and with `lanes` lanes and checks the batches are the same,
    /// pixel for pixel; returns the parallel batch.
    @discardableResult
    private func assertSameFrames(_ name: String, at times: [Double], lanes: Int, mode: SeekMode = .accurate,
                                  file: StaticString = #filePath, line: UInt = #line) throws -> FrameBatch {
        let single = try TestVideos.open(name).frames(at: times, mode: mode)
        let side = try parallel(name, lanes: lanes).frames(at: times, mode: mode, lanes: lanes)
        XCTAssertEqual(side.frames.map(\.requestedTimestamp), single.frames.map(\.requestedTimestamp), name, file: file, line: line)
        XCTAssertEqual(side.frames.map(\.timestamp), single.frames.map(\.timestamp), name, file: file, line: line)
        XCTAssertEqual(side.missing, single.missing, name, file: file, line: line)
        for (a, b) in zip(side.frames, single.frames) {
            XCTAssertTrue(try a.rgb(width: 160, height: 90).pixels == b.rgb(width: 160, height: 90).pixels,
                          "\(name) @\(a.requestedTimestamp): pixels differ", file: file, line: line)
        }
        return side
    }

    func testTheFramesOfALongVideoAreThoseOfOneReader() throws {
        let times = (0..<16).map { 600 * (Double($0) + 0.5) / 16 }
        let batch = try assertSameFrames("long_720p.mp4", at: times, lanes: 2)
        // 16 GOPs, each seeked to once by whichever lane took it.
        XCTAssertEqual(batch.work.seeks, 16)
    }

    func testFramesSharingAGOPAndMoreLanesThanGOPs() throws {
        // Several targets in one GOP, on a keyframe, just before one; 3 lanes for 4 GOPs and 8 lanes for them.
        try assertSameFrames("h264.mp4", at: [0, 0.5, 1.01, 1.99, 2.0, 3.3, 7.95, 9.9], lanes: 3)
        try assertSameFrames("h264.mp4", at: [1, 5, 9.5], lanes: 8)
    }

    func testOtherCodecsVariableFrameRateAndKeyframeMode() throws {
        try assertSameFrames("hevc.mp4", at: [0.2, 3.1, 6.7, 9.3], lanes: 2)
        try assertSameFrames("vfr.mp4", at: [0.3, 2.9, 5.5, 8.8], lanes: 2)
        try assertSameFrames("vp9.webm", at: [0.4, 4.4, 8.4], lanes: 2)
        try assertSameFrames("long_720p.mp4", at: [13, 77, 301, 599], lanes: 2, mode: .keyframe)
    }

    func testATruncatedFileYieldsTheSameFramesAndMissingTimestamps() throws {
        let batch = try assertSameFrames("truncated_moov_first.mp4", at: [1, 4.5, 7, 9], lanes: 2)
        XCTAssertEqual(batch.missing.map(\.requestedTimestamp), [7, 9])
        XCTAssertThrowsError(try parallel("truncated_moov_first.mp4", lanes: 2).frames(at: [8.5, 9.5], lanes: 2)) { error in
            XCTAssertEqual((error as? VideoIOError)?.code, .corruptData, "\(error)")
            XCTAssertTrue("\(error)".contains("none of the 2 requested frames"), "\(error)")
        }
    }

    func testOneReaderAnswersRequestsAfterEachOtherWithAnyNumberOfLanes() throws {
        let reader = try parallel("long_720p.mp4", lanes: 2)
        let times = [30.0, 90, 150, 210]
        let first = try reader.frames(at: times, lanes: 2)
        let again = try reader.frames(at: times + [20], lanes: 1)
        let back = try reader.frames(at: [10, 95], lanes: 2)
        XCTAssertEqual(first.frames.map(\.timestamp), times)
        XCTAssertEqual(again.frames.map(\.timestamp), [20] + times)
        XCTAssertEqual(back.frames.map(\.timestamp), [10, 95])
        XCTAssertThrowsError(try reader.frames(at: [], lanes: 2)) { error in
            XCTAssertEqual((error as? VideoIOError)?.code, .invalidRequest, "\(error)")
        }
    }

    func testAReadFailureInAnyLaneIsTheRequestsError() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: TestVideos.path("long_720p.mp4")))
        // The header reads fine; media data past the first 20 MB fails like a dropped connection.
        let failing = MemoryReader(uri: "s3://videos/long_720p.mp4", bytes: bytes, failAtOffset: 20 << 20)
        let reader = try ParallelVideoReader(reader: failing, maximumLanes: 2)
        XCTAssertThrowsError(try reader.frames(at: [10, 100, 200, 300, 400, 500], lanes: 2)) { error in
            XCTAssertEqual(error as? ObjectStoreError, failing.failure, "\(error)")
        }
    }
}
