// Stream facts read at open: codec, size, rotation, duration, frame rate and count, keyframes.
import VideoIO
import XCTest

final class VideoStreamInfoTests: XCTestCase {
    func testWellFormedFilesDescribeTheirStream() throws {
        let expected: [(String, String, Int, Int, Double, Int, Double)] = [
            ("h264.mp4", "h264", 640, 360, 10, 300, 30),
            ("hevc.mp4", "hevc", 320, 240, 5, 150, 30),
            ("vp9.webm", "vp9", 320, 240, 5, 150, 30),
            ("mpeg4.avi", "mpeg4", 320, 240, 5, 150, 30),
            ("odd_333x201.mp4", "h264", 333, 201, 5, 150, 30),
            ("long_720p.mp4", "h264", 1280, 720, 600, 15000, 25),
        ]
        for (name, codec, width, height, duration, frames, rate) in expected {
            let info = try TestVideos.open(name).info
            XCTAssertEqual(info.codec, codec, name)
            XCTAssertEqual(info.width, width, name)
            XCTAssertEqual(info.height, height, name)
            XCTAssertEqual(info.duration, duration, accuracy: 0.05, name)
            XCTAssertEqual(info.frameCount, frames, name)
            XCTAssertEqual(info.frameRate, rate, accuracy: 0.01, name)
            XCTAssertTrue(info.isConstantFrameRate, name)
            XCTAssertEqual(info.rotation, .none, name)
        }
        XCTAssertEqual(try TestVideos.open("odd_333x201.mp4").info.pixelFormat, "yuv444p")
    }

    func testVariableFrameRateIsRecognised() throws {
        let info = try TestVideos.open("vfr.mp4").info
        XCTAssertFalse(info.isConstantFrameRate)
        XCTAssertEqual(info.frameCount, 110)
        XCTAssertTrue(info.frameCountIsExact)
    }

    func testRotationComesFromTheDisplayMatrix() throws {
        for name in ["rotate_90.mp4", "rotate_270.mp4"] {
            let info = try TestVideos.open(name).info
            XCTAssertEqual(info.codedWidth, 320, name)
            XCTAssertEqual(info.codedHeight, 180, name)
            XCTAssertEqual(info.width, 180, name)
            XCTAssertEqual(info.height, 320, name)
        }
        XCTAssertEqual(try TestVideos.open("rotate_90.mp4").info.rotation, .clockwise270)
        XCTAssertEqual(try TestVideos.open("rotate_270.mp4").info.rotation, .clockwise90)
    }

    func testKeyframesComeFromTheContainerIndex() throws {
        let h264 = try TestVideos.open("h264.mp4").keyframes()
        XCTAssertEqual(h264.source, .containerIndex)
        XCTAssertEqual(h264.timestamps.count, 5)
        for (index, time) in h264.timestamps.enumerated() { XCTAssertEqual(time, Double(index * 2), accuracy: 1e-6) }
        let long = try TestVideos.open("long_720p.mp4")
        let keyframes = try long.keyframes()
        XCTAssertEqual(keyframes.timestamps.count, 300)
        XCTAssertEqual(keyframes.timestamps.last ?? 0, 598, accuracy: 1e-6)
        // The index is in the moov box: opening a faststart file reads its head, not its media.
        XCTAssertLessThan(long.readStatistics.bytesRead, 2_000_000, "\(long.readStatistics)")
    }
}
