// Our frames against the ffmpeg CLI's: the same frame (pts) for each timestamp, the same pixels.
import Foundation
import VideoIO
import XCTest

final class FrameOracleTests: XCTestCase {
    /// Compares every frame we decode for `times` with `ffmpeg -ss T`: same presentation time,
    /// and RGB within a mean absolute difference of 1/255 at the frame's own size (or `size`).
    private func assertMatchesCLI(_ name: String, at times: [Double], size: (Int, Int)? = nil,
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        try assertMatchesCLI(path: TestVideos.path(name), at: times, size: size, file: file, line: line)
    }

    private func assertMatchesCLI(path: String, at times: [Double], size: (Int, Int)? = nil, decodingFromStart: Bool = false,
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        let name = URL(fileURLWithPath: path).lastPathComponent
        let reader = try VideoReader(uri: path, store: TestVideos.store)
        let batch = try reader.frames(at: times)
        XCTAssertEqual(batch.missing, [], name, file: file, line: line)
        XCTAssertEqual(batch.frames.map(\.requestedTimestamp), Array(Set(times)).sorted(), name, file: file, line: line)
        for frame in batch.frames {
            let (width, height) = size ?? (frame.width, frame.height)
            let ours = try frame.rgb(width: width, height: height)
            guard let oracle = try FFmpegOracle.frame(path, at: frame.requestedTimestamp, filters: "scale=\(width):\(height):flags=bilinear",
                                                      decodingFromStart: decodingFromStart) else {
                XCTFail("\(name) @\(frame.requestedTimestamp): ffmpeg gives no frame, we give \(frame.timestamp)", file: file, line: line)
                continue
            }
            XCTAssertEqual(frame.timestamp, oracle.timestamp, accuracy: 1e-4, "\(name) @\(frame.requestedTimestamp)", file: file, line: line)
            XCTAssertEqual(oracle.rgb.count, ours.pixels.count, "\(name) @\(frame.requestedTimestamp)", file: file, line: line)
            if oracle.rgb.count == ours.pixels.count {
                let difference = FFmpegOracle.meanAbsoluteDifference(ours.pixels, oracle.rgb)
                XCTAssertLessThanOrEqual(difference, 1.0, "\(name) @\(frame.requestedTimestamp) \(width)x\(height)", file: file, line: line)
            }
        }
    }

    func testH264FramesAreTheCLIFrames() throws {
        // On keyframes, between frames, just before a keyframe, in the last GOP.
        try assertMatchesCLI("h264.mp4", at: [0, 0.5, 1.01, 1.99, 2.0, 3.3, 7.95, 9.9])
        try assertMatchesCLI("h264.mp4", at: [0.2, 6.1], size: (224, 224))
    }

    func testOtherCodecsMatchTheCLI() throws {
        try assertMatchesCLI("hevc.mp4", at: [0.2, 2.5, 4.9])
        try assertMatchesCLI("vp9.webm", at: [0.3, 2.2, 4.7])
        try assertMatchesCLI("mpeg4.avi", at: [0.1, 2.5, 4.5])
    }

    func testOddSizeAndFullChromaMatchTheCLI() throws {
        try assertMatchesCLI("odd_333x201.mp4", at: [0.7, 3.1])
        try assertMatchesCLI("odd_333x201.mp4", at: [1.5], size: (111, 67))
    }

    func testVariableFrameRateFramesAreTheCLIFrames() throws {
        // 2-4 s runs at 10 fps: targets between its frames must land on the next one.
        try assertMatchesCLI("vfr.mp4", at: [1.0, 2.05, 2.5, 3.05, 3.99, 4.5])
    }

    func testRotatedFramesComeOutUpright() throws {
        for name in ["rotate_90.mp4", "rotate_270.mp4"] {
            let frame = try XCTUnwrap(TestVideos.open(name).frames(at: [1.0]).frames.first)
            XCTAssertEqual(frame.width, 180, name)
            XCTAssertEqual(frame.height, 320, name)
            // The CLI turns them too (autorotation), so the pixels must agree.
            try assertMatchesCLI(name, at: [0.5, 2.0])
            try assertMatchesCLI(name, at: [1.2], size: (90, 160))
        }
    }

    /// Display matrices that mirror, written into the track header of a fresh MP4: a left-right
    /// flip, a transpose (a quarter turn clockwise, mirrored) and an anti-transpose (three quarter
    /// turns, mirrored). Each comes out as the CLI shows it. (Only the angle was read: the flip came
    /// out turned upside down, the transposes turned and not mirrored.)
    func testMirroringDisplayMatricesComeOutAsTheCLIShowsThem() throws {
        let original = try makeVideo(["-c:v", "libx264", "-pix_fmt", "yuv420p", "-threads", "1"], extension: "mp4")
        defer { try? FileManager.default.removeItem(atPath: original) }
        let one: [UInt8] = [0, 1, 0, 0], minusOne: [UInt8] = [0xFF, 0xFF, 0, 0], zero: [UInt8] = [0, 0, 0, 0]
        let cases: [(name: String, a: [UInt8], b: [UInt8], c: [UInt8], d: [UInt8], rotation: Rotation, mirrored: Bool)] = [
            ("hflip", minusOne, zero, zero, one, .none, true),
            ("transpose", zero, one, one, zero, .clockwise90, true),
            ("antitranspose", zero, minusOne, minusOne, zero, .clockwise270, true),
        ]
        for mirror in cases {
            let path = try withDisplayMatrix(original, a: mirror.a, b: mirror.b, c: mirror.c, d: mirror.d)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let info = try VideoReader(uri: path, store: TestVideos.store).info
            XCTAssertEqual(info.rotation, mirror.rotation, mirror.name)
            XCTAssertEqual(info.mirrored, mirror.mirrored, mirror.name)
            try assertMatchesCLI(path: path, at: [0.5, 1.3])
        }
    }

    /// 4:2:2 cannot be turned plane by plane: such a frame is converted to 4:4:4 first, as the CLI
    /// does for its autorotation, in its own range and depth. Camera MJPEG (full-range yuvj422p)
    /// came out washed out (limited-range values read as full).
    func testTurned422FramesMatchTheCLI() throws {
        let one: [UInt8] = [0, 1, 0, 0], minusOne: [UInt8] = [0xFF, 0xFF, 0, 0], zero: [UInt8] = [0, 0, 0, 0]
        let sources = [(["-c:v", "mjpeg", "-q:v", "3", "-pix_fmt", "yuvj422p"], "mov"),
                       (["-c:v", "libx264", "-pix_fmt", "yuv422p", "-threads", "1"], "mp4"),
                       (["-c:v", "libx264", "-pix_fmt", "yuv422p10le", "-threads", "1"], "mp4")]
        for (arguments, container) in sources {
            let original = try makeVideo(arguments, extension: container)
            defer { try? FileManager.default.removeItem(atPath: original) }
            for (b, c) in [(one, minusOne), (minusOne, one)] {
                let path = try withDisplayMatrix(original, a: zero, b: b, c: c, d: zero)
                defer { try? FileManager.default.removeItem(atPath: path) }
                XCTAssertTrue(try VideoReader(uri: path, store: TestVideos.store).info.rotation.swapsDimensions, arguments.joined(separator: " "))
                try assertMatchesCLI(path: path, at: [0.5, 1.3])
                try assertMatchesCLI(path: path, at: [1.0], size: (90, 160))
            }
        }
    }

    /// A 2 s 320x180 test pattern encoded with `arguments`, in a temporary file.
    private func makeVideo(_ arguments: [String], extension container: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("plain-\(UUID().uuidString).\(container)").path
        _ = try FFmpegOracle.run("/usr/bin/ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=2"] + arguments + [path])
        return path
    }

    /// A copy of `original` whose track header's display matrix (still the identity) has a, b, c
    /// and d (16.16, big-endian) as given.
    private func withDisplayMatrix(_ original: String, a: [UInt8], b: [UInt8], c: [UInt8], d: [UInt8]) throws -> String {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: original))
        let tkhd = try XCTUnwrap(bytes.range(of: Data("tkhd".utf8)))
        let identity = Data([0, 1, 0, 0] + [UInt8](repeating: 0, count: 12) + [0, 1, 0, 0])
        let matrix = try XCTUnwrap(bytes.range(of: identity, in: tkhd.upperBound..<bytes.count)).lowerBound
        bytes.replaceSubrange(matrix..<matrix + 4, with: a)
        bytes.replaceSubrange(matrix + 4..<matrix + 8, with: b)
        bytes.replaceSubrange(matrix + 12..<matrix + 16, with: c)
        bytes.replaceSubrange(matrix + 16..<matrix + 20, with: d)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("matrix-\(UUID().uuidString)." + URL(fileURLWithPath: original).pathExtension).path
        try bytes.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A video that starts 4 s after its audio is sampled over its own 8 s, from its first frame:
    /// a uniform plan no longer spends samples before it (each was its first frame again) and
    /// reaches its last seconds; frame indices count from its first frame.
    func testAVideoThatStartsAfterItsAudioIsSampledOverItsOwnTime() throws {
        let path = try TestVideos.videoAfterAudio("mp4", for: self)
        let reader = try VideoReader(uri: path, store: TestVideos.store)
        XCTAssertEqual(reader.info.start, 4, accuracy: 0.05)
        XCTAssertEqual(reader.info.end, 12, accuracy: 0.05)
        let uniform = try reader.frames(.uniform(count: 4))
        XCTAssertEqual(uniform.frames.map(\.requestedTimestamp), [0, 1, 2, 3].map { reader.info.start + Double($0) * reader.info.duration / 4 })
        XCTAssertEqual(uniform.frames.first?.index, 0)
        XCTAssertEqual(Set(uniform.frames.map(\.timestamp)).count, 4, "four different frames")
        try assertMatchesCLI(path: path, at: [4.5, 11.9])
        XCTAssertEqual(try reader.frames(.uniform(count: 2, start: 0, end: 6)).frames.map(\.requestedTimestamp), [reader.info.start, 5],
                       "a range that begins before the video begins with it")
    }

    func testLongVideoSeeksLandOnTheCLIFrames() throws {
        try assertMatchesCLI("long_720p.mp4", at: [123.45, 301.0, 599.9], size: (320, 180))
    }

    /// MPEG-TS keeps no index, and FFmpeg seeks in it by bisecting timestamps, landing after the
    /// target's keyframe, or after the last one, or (seeking to 0) after the first. Each case is
    /// the right frame: the last GOP's (it was reported missing, "the file is truncated"), one in
    /// the first of 10 s GOPs (it was the next GOP's first frame), and many targets in one request
    /// (past 64 seeks late frames were taken as they came).
    func testSeeksInAContainerWithoutIndexLandOnTheRightFrame() throws {
        func transportStream(seconds: Int, gop: Int) throws -> String {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("gop\(gop)-\(UUID().uuidString).ts").path
            addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
            _ = try FFmpegOracle.run("/usr/bin/ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=160x90:r=25:d=\(seconds)",
                                                         "-c:v", "libx264", "-bf", "2", "-g", "\(gop)", "-keyint_min", "\(gop)",
                                                         "-sc_threshold", "0", "-threads", "1", "-f", "mpegts", path])
            return path
        }
        try assertMatchesCLI(path: transportStream(seconds: 20, gop: 50), at: [5.5, 18.1, 19.9], decodingFromStart: true)
        try assertMatchesCLI(path: transportStream(seconds: 60, gop: 250), at: [8.5, 50, 59.5], decodingFromStart: true)
        // 54 targets 5.5 s apart over 300 s: at 25 fps from 0, the frame for T is at ceil(25 T) / 25
        // (the CLI decoding 300 s once per target would take the test minutes).
        let targets = (0..<54).map { 0.5 + 5.5 * Double($0) }
        let batch = try VideoReader(uri: try transportStream(seconds: 300, gop: 250), store: TestVideos.store).frames(at: targets)
        XCTAssertEqual(batch.missing, [])
        let late = batch.frames.filter { abs($0.timestamp - ($0.requestedTimestamp * 25 - 1e-9).rounded(.up) / 25) > 1e-4 }
        XCTAssertEqual(late.map { "\($0.requestedTimestamp) -> \($0.timestamp)" }, [])
    }

    /// MPEG-PS seeks by bisecting timestamps too; the index its demuxer builds as it reads is not
    /// what it seeks by. A seek near the end landed after the last keyframe, and the last frames
    /// were missing ("the video data ends before it"); each is the CLI's frame, with or without
    /// B-frames.
    func testTheLastFramesOfAProgramStreamAreReached() throws {
        for bFrames in ["0", "2"] {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("ps-\(UUID().uuidString).mpg").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            _ = try FFmpegOracle.run("/usr/bin/ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=160x120:r=25:d=6",
                                                         "-c:v", "mpeg2video", "-bf", bFrames, "-f", "mpeg", path])
            try assertMatchesCLI(path: path, at: [5.72], decodingFromStart: true)
            try assertMatchesCLI(path: path, at: [5.9], decodingFromStart: true)
        }
    }

    /// Times count from the container's start on the stream's own clock: a transport stream starting
    /// at 1.4666… s (off the microsecond grid) had its first frame at -3.3e-07 s and 0.5 at 0.4999997.
    func testTimesFromAStartOffTheMicrosecondAreExact() throws {
        // Starts rounded down (1.4666667 s) and up (1.4000444 s) to the microsecond.
        for offset in ["0.0666667", "0.00004444"] {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("offset-\(UUID().uuidString).ts").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            _ = try FFmpegOracle.run("/usr/bin/ffmpeg", ["-v", "error", "-y", "-i", TestVideos.path("h264.mp4"), "-an", "-c", "copy",
                                                         "-output_ts_offset", offset, path])
            let reader = try VideoReader(uri: path, store: TestVideos.store)
            // The video starts the file: sampling from 0 asks for 0 (it asked for 4.4e-07).
            XCTAssertEqual(reader.info.start, 0, offset)
            let frames = try reader.frames(at: [0, 0.5]).frames
            XCTAssertEqual(frames.map(\.timestamp), [0, 0.5], accuracy: 1e-9)
            XCTAssertEqual(frames.first?.timestamp.sign, .plus, offset)
            XCTAssertEqual(try reader.frames(.uniform(count: 2)).frames.first?.requestedTimestamp, 0, offset)
        }
    }

    func testAContainerWithoutIndexIsScannedAndSeeksLikeTheCLI() throws {
        // MPEG-TS keeps no index and starts its clock at 1.4 s: times count from the file's start.
        // The CLI's -ss bisects TS by timestamps and can land past the target (-ss 0.7 gives the
        // frame at 2.0), so the oracle here decodes from the start and trims.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("no-index-\(UUID().uuidString).ts").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try FFmpegOracle.run("/usr/bin/ffmpeg", ["-v", "error", "-y", "-i", TestVideos.path("h264.mp4"), "-an", "-c", "copy", path])
        let reader = try VideoReader(uri: path, store: TestVideos.store)
        let keyframes = try reader.keyframes()
        XCTAssertEqual(keyframes.source, .packetScan)
        XCTAssertEqual(keyframes.timestamps.count, 5)
        XCTAssertEqual(keyframes.timestamps.first ?? -1, 0, accuracy: 1e-6)
        try assertMatchesCLI(path: path, at: [0.7, 2.0, 6.1, 8.3, 9.95], size: (160, 90), decodingFromStart: true)
    }
}
