// Matroska's index, which its demuxer reads late or the file lacks, and WebM without a duration (as
// browsers record it): the reader must still seek to each GOP and sample the whole video.
import Foundation
@testable import VideoIO
import XCTest

final class MatroskaIndexTests: XCTestCase {
    /// The first two minutes of the 10-minute fixture (2 s GOPs), copied into Matroska with `extra`
    /// muxer options; removed after the test.
    private func matroska(_ extra: [String]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("index-\(UUID().uuidString).mkv").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        _ = try FFmpegOracle.run("/usr/bin/ffmpeg", ["-v", "error", "-y", "-i", TestVideos.path("long_720p.mp4"), "-an", "-c", "copy",
                                                     "-t", "120"] + extra + ["-f", "matroska", path])
        return path
    }

    private func assertFramesMatchTheCLI(_ reader: VideoReader, _ path: String, at times: [Double],
                                         file: StaticString = #filePath, line: UInt = #line) throws {
        let batch = try reader.frames(at: times)
        XCTAssertEqual(batch.missing, [], file: file, line: line)
        for frame in batch.frames {
            let oracle = try XCTUnwrap(FFmpegOracle.frame(path, at: frame.requestedTimestamp, filters: "scale=160:90:flags=bilinear",
                                                          decodingFromStart: true), file: file, line: line)
            XCTAssertEqual(frame.timestamp, oracle.timestamp, accuracy: 1e-4, "@\(frame.requestedTimestamp)", file: file, line: line)
            let difference = FFmpegOracle.meanAbsoluteDifference(try frame.rgb(width: 160, height: 90).pixels, oracle.rgb)
            XCTAssertLessThanOrEqual(difference, 1.0, "@\(frame.requestedTimestamp)", file: file, line: line)
        }
    }

    /// The Cues (at the end of the file) are read at open: every keyframe is known, and frames far
    /// apart are reached by seeking, not by reading the file through. (The demuxer reads them at
    /// its first seek only: the index held the keyframes probing passed, every target seemed to
    /// be in their last GOP, and the whole file was decoded from the start.)
    func testTheCuesAreReadAtOpenAndSamplingSeeks() throws {
        let path = try matroska([])
        let reader = try VideoReader(uri: path, store: TestVideos.store)
        let keyframes = try reader.keyframes()
        XCTAssertEqual(keyframes.source, .containerIndex)
        XCTAssertEqual(keyframes.timestamps.count, 61, "a keyframe every 2 s over 120 s, and the last frame's")
        try assertFramesMatchTheCLI(reader, path, at: [31.0, 77.7, 119.9])
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64)
        XCTAssertLessThan(reader.readStatistics.bytesRead, size / 2, "three GOPs need a small part of the file")
    }

    /// Matroska written as a stream (`-live 1`, or a browser's MediaRecorder) has neither Cues nor
    /// a duration: one pass over its packets measures it, and the frames are those of the CLI.
    /// (It was refused: "0 frames over 0 s".)
    func testAFileWithoutDurationOrCuesIsMeasuredAndSampled() throws {
        let path = try matroska(["-live", "1"])
        let reader = try VideoReader(uri: path, store: TestVideos.store)
        // The same stream written to a file that can seek has its Cues and duration: the measures.
        let described = try VideoReader(uri: try matroska([]), store: TestVideos.store)
        XCTAssertGreaterThan(described.info.duration, 120)
        XCTAssertEqual(reader.info.duration, described.info.duration, accuracy: 0.001)
        XCTAssertEqual(Double(reader.info.frameCount), described.info.duration * 25, accuracy: 1, "25 fps")
        XCTAssertEqual(try reader.keyframes().timestamps, try described.keyframes().timestamps)
        try assertFramesMatchTheCLI(reader, path, at: [0.5, 59.96, 119.9])
        let uniform = try reader.frames(.uniform(count: 4))
        let quarter = described.info.duration / 4
        XCTAssertEqual(uniform.frames.map(\.requestedTimestamp), [0, quarter, 2 * quarter, 3 * quarter], "the plan spans the measured duration")
    }

    /// An index that stops far short of the end is the part probing read, not the file's: it is
    /// set aside, and the reader seeks by time instead. One that reaches within a GOP or so of the
    /// end is whole, however few its keyframes.
    func testAnIndexThatStopsShortOfTheEndIsSetAside() {
        let probed = KeyframeIndex(timestamps: [0, 2, 4, 6], source: .containerIndex)
        XCTAssertTrue(probed.reachingEnd(120).isEmpty)
        let whole = KeyframeIndex(timestamps: Array(stride(from: 0.0, through: 118, by: 2)), source: .containerIndex)
        XCTAssertEqual(whole.reachingEnd(120), whole)
        let longGOPs = KeyframeIndex(timestamps: [0, 30, 60, 90], source: .containerIndex)
        XCTAssertEqual(longGOPs.reachingEnd(120), longGOPs, "its last GOP is as long as the others")
        let oneKeyframe = KeyframeIndex(timestamps: [0], source: .containerIndex)
        XCTAssertEqual(oneKeyframe.reachingEnd(8), oneKeyframe)
        XCTAssertEqual(probed.reachingEnd(0), probed, "an unknown duration says nothing")
        // A video that starts 30 s into the file: the time before it is no GOP.
        let late = KeyframeIndex(timestamps: [30, 32, 34], source: .containerIndex)
        XCTAssertTrue(late.reachingEnd(90, start: 30).isEmpty)
        XCTAssertEqual(late.reachingEnd(36, start: 30), late)
    }
}

final class MatroskaTrackDurationTests: XCTestCase {
    /// Matroska has no duration per track; the container's is the longest track's. A 6 s video
    /// with 15 s of audio is sampled over its own 6 s (FFmpeg's muxer tags each track with its
    /// DURATION), where samples past 6 s came back missing ("the file is truncated or damaged").
    func testAVideoShorterThanItsAudioIsSampledOverItsOwnTime() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("short-video-\(UUID().uuidString).mkv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try FFmpegOracle.run("/usr/bin/ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=160x90:r=25:d=6",
                                                     "-f", "lavfi", "-i", "sine=d=15", "-c:v", "libx264", "-threads", "1", "-c:a", "aac", path])
        let reader = try VideoReader(uri: path, store: TestVideos.store)
        XCTAssertEqual(reader.info.duration, 6, accuracy: 0.05)
        let batch = try reader.frames(.uniform(count: 4))
        XCTAssertEqual(batch.missing, [])
        XCTAssertEqual(batch.frames.map(\.requestedTimestamp), (0..<4).map { reader.info.start + Double($0) * reader.info.duration / 4 })
        XCTAssertLessThan(reader.info.end, 6.1)
    }

    /// The DURATION tag is where the track ends on its clock: a video muxed 4 s after its audio
    /// ends at 12 s, not 16.
    func testADurationTagCountsFromTheFilesStart() throws {
        let path = try TestVideos.videoAfterAudio("mkv", for: self)
        let reader = try VideoReader(uri: path, store: TestVideos.store)
        XCTAssertEqual(reader.info.start, 4, accuracy: 0.05)
        XCTAssertEqual(reader.info.end, 12, accuracy: 0.05)
        XCTAssertEqual(try reader.frames(.uniform(count: 4)).missing, [])
    }

    func testDurationTagsAreRead() {
        XCTAssertEqual(VideoReader.parsedDuration("00:00:06.007000000") ?? 0, 6.007, accuracy: 1e-9)
        XCTAssertEqual(VideoReader.parsedDuration("01:02:03.5") ?? 0, 3723.5, accuracy: 1e-9)
        for bad in ["", "6.0", "00:61:00.0", "00:00:60.0", "-1:00:00.0", "00:00:00.000", "a:b:c"] {
            XCTAssertNil(VideoReader.parsedDuration(bad), bad)
        }
    }
}
