// Files that are not what they claim, or break a limit: each gives its typed error, none crashes or hangs.
import Foundation
import ObjectStore
import TestServers
@testable import VideoIO
import XCTest

final class BadFileTests: XCTestCase {
    private func assertOpenFails(_ name: String, _ code: VideoIOError.Code, mentioning text: String,
                                 limits: VideoLimits = .default, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = try TestVideos.path(name)
        XCTAssertThrowsError(try TestVideos.open(name, limits: limits), file: file, line: line) { error in
            let failure = error as? VideoIOError
            XCTAssertEqual(failure?.code, code, "\(error)", file: file, line: line)
            XCTAssertEqual(failure?.uri, path, file: file, line: line)
            XCTAssertTrue("\(error)".contains(text), "\(error)", file: file, line: line)
        }
    }

    func testRandomBytesAreNotAVideo() throws {
        try assertOpenFails("random.bin", .notAVideo, mentioning: "65536 bytes")
    }

    func testAudioOnlyHasNoVideoStream() throws {
        try assertOpenFails("audio_only.m4a", .noVideoStream, mentioning: "1 audio stream")
    }

    func testAFileCutBeforeItsIndexIsCorrupt() throws {
        try assertOpenFails("truncated_moov_last.mp4", .corruptData, mentioning: "moov")
    }

    func testATruncatedFileYieldsWhatDecodesAndReportsTheRest() throws {
        let reader = try TestVideos.open("truncated_moov_first.mp4")
        XCTAssertEqual(reader.info.duration, 10, accuracy: 0.01, "the intact index still promises 10 s")
        let batch = try reader.frames(at: [1, 4.5, 7, 9])
        XCTAssertEqual(batch.frames.map(\.timestamp), [1, 4.5], accuracy: 1e-6)
        XCTAssertEqual(batch.missing.map(\.requestedTimestamp), [7, 9])
        XCTAssertTrue(batch.missing[0].reason.contains("truncated"), batch.missing[0].reason)
        // With an index, a seek that finds no data is the end of it: not tried again further back
        // (which decoded the present part once more for every missing frame).
        XCTAssertLessThanOrEqual(batch.work.seeks, 3, "\(batch.work)")
        XCTAssertThrowsError(try reader.frames(at: [8.5, 9.5])) { error in
            XCTAssertEqual((error as? VideoIOError)?.code, .corruptData, "\(error)")
            XCTAssertTrue("\(error)".contains("none of the 2 requested frames"), "\(error)")
        }
        // The reader is still usable for what the file holds.
        XCTAssertEqual(try reader.frames(at: [2.5]).frames.first?.timestamp ?? -1, 2.5, accuracy: 1e-6)
    }

    func testDamagedMediaDataDecodesWhatItCanWithoutHanging() throws {
        // 64 KiB of garbage in the middle of the media data (the index stays intact).
        var bytes = try Data(contentsOf: URL(fileURLWithPath: TestVideos.path("h264.mp4")))
        var generator = SystemRandomNumberGenerator()
        let start = bytes.count / 2
        for offset in start..<(start + 65_536) { bytes[offset] = UInt8.random(in: 0...255, using: &generator) }
        let reader = try VideoReader(reader: MemoryReader(uri: "memory://damaged.mp4", bytes: bytes))
        let batch = try reader.frames(.uniform(count: 20))
        XCTAssertEqual(batch.frames.count + batch.missing.count, 20)
        XCTAssertGreaterThanOrEqual(batch.frames.count, 15, "frames away from the damage decode: \(batch.missing)")
        XCTAssertEqual(try reader.frames(at: [9.5]).frames.first?.timestamp ?? -1, 9.5, accuracy: 1e-6)
    }

    /// Damage that leaves frames undecodable between two that decode: a time in the gap is missing,
    /// saying so, rather than answered by the frame after the gap (which came up to the gap's length
    /// late, silently, and counted as a sample of its own). The ffmpeg CLI tells where the gap is.
    func testATimeInAGapDamageLeftIsMissing() throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: TestVideos.path("h264.mp4")))
        let start = bytes.count / 2
        for index in 0..<20_000 { bytes[start + index] = UInt8(truncatingIfNeeded: index &* 167 &+ 13) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gap-\(UUID().uuidString).mp4").path
        try bytes.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (_, log) = try FFmpegOracle.run("/usr/bin/ffmpeg", ["-hide_banner", "-i", path, "-an", "-vf", "showinfo", "-f", "null", "-"])
        let decoded = log.matches(of: #/pts_time:([0-9.]+)/#).compactMap { Double($0.1) }
        let gap = try XCTUnwrap(zip(decoded, decoded.dropFirst()).first { $1 - $0 > 0.07 }, "the damage left no gap: \(decoded)")
        let reader = try VideoReader(reader: MemoryReader(uri: "memory://gap.mp4", bytes: bytes))
        let inside = (gap.0 + gap.1) / 2
        let batch = try reader.frames(at: [gap.0 - 0.5, inside, gap.1])
        XCTAssertEqual(batch.frames.map(\.timestamp), [gap.0 - 0.5, gap.1], accuracy: 1e-5)
        XCTAssertEqual(batch.missing.map(\.requestedTimestamp), [inside], "\(batch.work)")
        XCTAssertTrue(batch.missing.first?.reason.contains("the video data there is damaged") == true, "\(batch.missing)")
    }

    /// Damage seconds before a target says nothing of the frames there: a variable-rate video's
    /// longer frame after it is its frame. (Damage anywhere earlier in the decode made such a
    /// target missing, "no frame decodes from 5.12 s until 5.2 s".)
    func testDamageLongBeforeATargetLeavesItsFrame() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vfr-\(UUID().uuidString).mp4").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        // 30 fps with a 100 ms pause after every 10th frame, one GOP: frames at 5.067 s, then 5.2 s.
        _ = try FFmpegOracle.run("/usr/bin/ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=160x90:r=30:d=8",
                                                     "-vf", "setpts='(N/30+floor(N/10)*0.1)/TB'", "-fps_mode", "passthrough",
                                                     "-c:v", "libx264", "-g", "300", "-threads", "1", "-video_track_timescale", "90000", path])
        let (packets, _) = try FFmpegOracle.run("/usr/bin/ffprobe", ["-v", "error", "-select_streams", "v", "-show_entries", "packet=pts_time,pos",
                                                                     "-of", "csv=p=0", path])
        let rows = String(decoding: packets, as: UTF8.self).split(separator: "\n").map { $0.split(separator: ",").compactMap { Double($0) } }
        let at2s = try XCTUnwrap(rows.first { $0.count == 2 && $0[0] >= 2 }, "\(rows.prefix(5))")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let start = Int(at2s[1]) + 200
        for index in 0..<1500 { bytes[start + index] = UInt8(truncatingIfNeeded: index &* 167 &+ 13) }
        let reader = try VideoReader(reader: MemoryReader(uri: "memory://vfr-damaged.mp4", bytes: bytes))
        let batch = try reader.frames(at: [1, 5.12, 5.15])
        XCTAssertEqual(batch.missing.map(\.requestedTimestamp), [], "\(batch.missing)")
        XCTAssertEqual(batch.frames.map(\.timestamp), [1, 5.2, 5.2], accuracy: 1e-6)
    }

    /// A playlist uploaded as a video must not make FFmpeg fetch what it lists (a loopback or private
    /// address, a local file): the access policy never saw those. The listener stands for such an
    /// address; nothing may connect to it.
    func testAPlaylistIsNotFollowed() throws {
        let listener = try SilentListener()
        let port = listener.port
        let playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nhttp://127.0.0.1:\(port)/segment.ts\n#EXT-X-ENDLIST\n"
        XCTAssertThrowsError(try VideoReader(reader: MemoryReader(uri: "memory://upload.m3u8", bytes: Data(playlist.utf8)))) { error in
            XCTAssertEqual((error as? VideoIOError)?.code, .notAVideo, "\(error)")
            XCTAssertTrue("\(error)".contains("the hls file refers to other files or URLs"), "\(error)")
        }
        XCTAssertFalse(listener.wasConnected, "FFmpeg connected to the address the playlist lists")
    }

    /// An SDP session description probes as a container, and its demuxer opens the RTP/UDP sockets
    /// it describes itself, not through the opens refused above: it must be refused before that
    /// (it bound two UDP ports and waited some 10 s for packets from anywhere).
    func testASessionDescriptionIsNotOpened() throws {
        let sdp = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=stream\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 45004 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
        let started = Date()
        XCTAssertThrowsError(try VideoReader(reader: MemoryReader(uri: "memory://upload.mp4", bytes: Data(sdp.utf8)))) { error in
            XCTAssertEqual((error as? VideoIOError)?.code, .notAVideo, "\(error)")
            XCTAssertTrue("\(error)".contains("network"), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "the demuxer waited for network packets")
    }

    func testAnUnknownCodecIsUnsupported() throws {
        // vp9.webm with its codec ID renamed: Matroska still says "video", but no decoder exists.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: TestVideos.path("vp9.webm")))
        let range = try XCTUnwrap(bytes.range(of: Data("V_VP9".utf8)))
        bytes.replaceSubrange(range, with: Data("V_QQQ".utf8))
        let reader = MemoryReader(uri: "memory://unknown-codec.webm", bytes: bytes)
        XCTAssertThrowsError(try VideoReader(reader: reader)) { error in
            XCTAssertEqual((error as? VideoIOError)?.code, .unsupportedCodec, "\(error)")
            XCTAssertTrue("\(error)".contains("re-encode"), "\(error)")
        }
    }

    func testLimitsOnPixelsAndDuration() throws {
        try assertOpenFails("h264.mp4", .tooManyPixels, mentioning: "640x360",
                            limits: VideoLimits(maximumPixelsPerFrame: 640 * 360 - 1))
        try assertOpenFails("long_720p.mp4", .tooLong, mentioning: "600 s",
                            limits: VideoLimits(maximumDurationSeconds: 300))
        XCTAssertThrowsError(try TestVideos.open("h264.mp4", limits: VideoLimits(maximumFramesPerRequest: 2)).frames(at: [1, 2, 3])) { error in
            XCTAssertEqual((error as? VideoIOError)?.code, .invalidRequest, "\(error)")
        }
        // The decoder enforces the pixel limit on every picture it makes, also those decoded on the
        // way to a sampled frame after a mid-stream size change, which no check of the frames handed
        // out would see; with room for FFmpeg's stride alignment, so that a video exactly at the
        // limit decodes (333 wide is counted as 384: without the room every picture failed).
        let exact = try TestVideos.open("odd_333x201.mp4", limits: VideoLimits(maximumPixelsPerFrame: 333 * 201))
        XCTAssertEqual(exact.decoder.codecContext.pointee.max_pixels, 333 * 201 + 64 * 333)
        XCTAssertEqual(try exact.frames(at: [0.5, 1.5]).frames.count, 2)
    }

    /// A stream that grows over the pixel limit mid-way: the frames before decode, those after are
    /// missing for that reason (they were reported as the end of a truncated file).
    func testAStreamThatGrowsOverThePixelLimitSaysSo() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("grows-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (name, size) in [("small", "160x90"), ("large", "640x360")] {
            _ = try FFmpegOracle.run("/usr/bin/ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=\(size):r=25:d=2",
                                                         "-c:v", "libx264", "-threads", "1", "-f", "mpegts", "\(directory)/\(name).ts"])
        }
        let path = directory + "/grows.ts"
        _ = try FFmpegOracle.run("/usr/bin/ffmpeg", ["-v", "error", "-y", "-i", "concat:\(directory)/small.ts|\(directory)/large.ts", "-c", "copy", path])
        let reader = try VideoReader(uri: path, store: TestVideos.store, limits: VideoLimits(maximumPixelsPerFrame: 100_000))
        let batch = try reader.frames(at: [1, 3])
        XCTAssertEqual(batch.frames.map(\.timestamp), [1], accuracy: 1e-6)
        XCTAssertEqual(batch.missing.map(\.requestedTimestamp), [3])
        XCTAssertTrue(batch.missing.first?.reason.contains("changes to 640x360 pictures here, 230400 pixels per frame, over the limit of 100000") == true,
                      "\(batch.missing)")
    }

    func testAVideoWithZeroFramesHasNothingToSample() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zero-frames-\(UUID().uuidString).avi").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try FFmpegOracle.run("/usr/bin/ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=s=64x64:r=10", "-frames:v", "0",
                                                     "-c:v", "mpeg4", path])
        let reader = try VideoReader(uri: path, store: TestVideos.store)
        XCTAssertEqual(reader.info.frameCount, 0)
        for plan in [SamplingPlan.uniform(count: 4), .timestamps([0])] {
            XCTAssertThrowsError(try reader.frames(plan)) { error in
                XCTAssertEqual((error as? VideoIOError)?.code, .noFrames, "\(error)")
            }
        }
    }

    /// A Matroska file whose video starts at 9.2e12 s (ffmpeg -output_ts_offset) with its duration
    /// patched to 3 s, so the length limit passes: seek targets added to that start overflow 64 bits.
    /// Refused at open as damaged timestamps (it was analysed, silently on the wrong frames).
    func testAStartTimeBeyondAnyClockIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("far-start-\(UUID().uuidString).mkv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try FFmpegOracle.run("/usr/bin/ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=s=64x64:d=3:r=10", "-c:v", "libx264",
                                                     "-output_ts_offset", "9223372036854", path])
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        // The Segment's Duration element (ID 0x4489, an 8-byte float in milliseconds).
        let element = try XCTUnwrap(bytes.range(of: Data([0x44, 0x89, 0x88])))
        bytes.replaceSubrange(element.upperBound..<(element.upperBound + 8), with: withUnsafeBytes(of: (3000.0).bitPattern.bigEndian) { Data($0) })
        XCTAssertThrowsError(try VideoReader(reader: MemoryReader(uri: "memory://far-start.mkv", bytes: bytes))) { error in
            XCTAssertEqual((error as? VideoIOError)?.code, .corruptData, "\(error)")
            XCTAssertTrue("\(error)".contains("timestamps are damaged"), "\(error)")
        }
    }

    func testAnEmptyObjectIsNotAVideo() throws {
        XCTAssertThrowsError(try VideoReader(reader: MemoryReader(uri: "memory://empty.mp4", bytes: Data()))) { error in
            XCTAssertEqual((error as? VideoIOError)?.code, .notAVideo, "\(error)")
            XCTAssertTrue("\(error)".contains("empty"), "\(error)")
        }
    }

    func testReaderFailuresSurfaceAsTheObjectStoreError() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: TestVideos.path("h264.mp4")))
        // Fails once the demuxer reads past the header: the S3 error must come out, not "I/O error".
        let failing = MemoryReader(uri: "s3://videos/h264.mp4", bytes: bytes, failAtOffset: 200_000)
        let reader = try VideoReader(reader: failing)
        XCTAssertThrowsError(try reader.frames(at: [5])) { error in
            XCTAssertEqual(error as? ObjectStoreError, failing.failure, "\(error)")
        }
        XCTAssertThrowsError(try VideoReader(reader: MemoryReader(uri: "s3://videos/h264.mp4", bytes: bytes, failAtOffset: 0))) { error in
            XCTAssertEqual((error as? ObjectStoreError)?.code, .network, "\(error)")
        }
    }
}

/// An object in memory, optionally failing like a dropped S3 connection at some offset.
final class MemoryReader: ObjectReader {
    let uri: String
    let bytes: Data
    let failAtOffset: Int64?
    private(set) var statistics = ReadStatistics()
    var size: Int64 { Int64(bytes.count) }
    var failure: ObjectStoreError { ObjectStoreError(.network, uri: uri, "connection reset (injected)") }

    init(uri: String, bytes: Data, failAtOffset: Int64? = nil) {
        self.uri = uri
        self.bytes = bytes
        self.failAtOffset = failAtOffset
    }

    func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard offset < size else { return 0 }
        let end = min(size, offset + Int64(buffer.count))
        if let failAtOffset, end > failAtOffset { throw failure }
        bytes.copyBytes(to: buffer, from: Int(offset)..<Int(end))
        statistics.requests += 1
        statistics.bytesRead += end - offset
        statistics.bytesFetched += end - offset
        return Int(end - offset)
    }
}
