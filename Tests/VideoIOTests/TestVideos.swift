// The generated test videos (scripts/make_test_videos.sh) and how tests open them.
import Foundation
import ObjectStore
import TestServers
import VideoIO
import XCTest

enum TestVideos {
    static let directory = RepoPaths.cache("videos")

    /// The path of a generated video; skips the test (with the command to run) when it is missing.
    static func path(_ name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("fixture \(path) is missing: run `make test` or `scripts/make_test_videos.sh .cache/videos`")
        }
        return path
    }

    /// A store that may read the fixtures directory (and temporary files the tests write).
    static let store = ObjectStore(policy: AccessPolicy(allowedRoots: [directory.path, NSTemporaryDirectory()]),
                                   s3: .fromEnvironment([:]))

    /// An 8 s 160x90 video muxed 4 s after 12 s of audio, in a temporary file of `ext` (mp4,
    /// mkv) that `test` removes when it ends. Copied, not encoded: an encoder would fill the first
    /// 4 s with copies of the first frame.
    static func videoAfterAudio(_ ext: String, for test: XCTestCase) throws -> String {
        let video = FileManager.default.temporaryDirectory.appendingPathComponent("video-\(UUID().uuidString).mp4").path
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("late-video-\(UUID().uuidString).\(ext)").path
        test.addTeardownBlock { for file in [video, path] { try? FileManager.default.removeItem(atPath: file) } }
        _ = try FFmpegOracle.run("/usr/bin/ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=160x90:r=25:d=8",
                                                     "-c:v", "libx264", "-threads", "1", video])
        _ = try FFmpegOracle.run("/usr/bin/ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "sine=d=12", "-itsoffset", "4", "-i", video,
                                                     "-map", "1:v", "-map", "0:a", "-c:v", "copy", "-c:a", "aac", path])
        return path
    }

    static func open(_ name: String, limits: VideoLimits = .default) throws -> VideoReader {
        try VideoReader(uri: try path(name), store: store, limits: limits)
    }
}

/// Two lists of times, equal in length and each pair within `accuracy`.
func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "\(a) vs \(b)", file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, "\(a) vs \(b)", file: file, line: line) }
}
