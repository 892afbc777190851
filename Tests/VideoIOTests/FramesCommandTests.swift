// `video-lambda frames` end to end: PNG, raw RGB, frames.json and the contact sheet, against the ffmpeg CLI.
import Foundation
import TestServers
import XCTest

final class FramesCommandTests: XCTestCase {
    /// video-lambda is built next to this test binary.
    private static let executable: String = {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: me).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("video-lambda").path), directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("video-lambda").path
    }()

    private struct Report: Decodable {
        struct Frame: Decodable {
            var file: String
            var raw: String?
            var timestamp: Double
            var requested: Double
            var index: Int?
        }
        var width: Int
        var height: Int
        var frames: [Frame]
    }

    private func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = arguments
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("frames-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self), (try? String(contentsOf: errors, encoding: .utf8)) ?? "")
    }

    func testFramesMatchTheCLIAndTheirFilesAgree() throws {
        let video = try TestVideos.path("h264.mp4")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("frames-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let sheet = out.appendingPathComponent("sheet.png").path
        let result = try run(["frames", video, "--at", "3.3,1.01", "--size", "160x90", "--out", out.path, "--raw", "--contact-sheet", sheet])
        XCTAssertEqual(result.status, 0, result.stderr)

        let report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: out.appendingPathComponent("frames.json")))
        XCTAssertEqual(report.width, 160)
        XCTAssertEqual(report.height, 90)
        XCTAssertEqual(report.frames.map(\.requested), [1.01, 3.3])
        XCTAssertEqual(report.frames.map(\.index), [31, 99])
        for frame in report.frames {
            let raw = try [UInt8](Data(contentsOf: out.appendingPathComponent(try XCTUnwrap(frame.raw))))
            let oracle = try XCTUnwrap(FFmpegOracle.frame(video, at: frame.requested, filters: "scale=160:90:flags=bilinear"))
            XCTAssertEqual(frame.timestamp, oracle.timestamp, accuracy: 1e-4)
            XCTAssertLessThanOrEqual(FFmpegOracle.meanAbsoluteDifference(raw, oracle.rgb), 1.0)
            // The PNG holds exactly the raw pixels (decoded back by the ffmpeg CLI).
            let (png, _) = try FFmpegOracle.run("/usr/bin/ffmpeg", ["-v", "error", "-i", out.appendingPathComponent(frame.file).path,
                                                                    "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
            XCTAssertEqual([UInt8](png), raw, frame.file)
        }
        let (probe, _) = try FFmpegOracle.run("/usr/bin/ffprobe", ["-v", "error", "-show_entries", "stream=codec_name,width", "-of", "csv=p=0", sheet])
        XCTAssertTrue(String(decoding: probe, as: UTF8.self).hasPrefix("png,"), String(decoding: probe, as: UTF8.self))
    }

    /// The CLI reads HTTPS as the function does, trusting the CA bundle CURL_CA_BUNDLE names (it
    /// ignored it: a server with its own certificate authority was "not OK").
    func testFramesOverHTTPSTrustTheEnvironmentsCABundle() throws {
        let video = URL(fileURLWithPath: try TestVideos.path("h264.mp4"))
        let server = try HTTPSRangeServer(serving: video.deletingLastPathComponent())
        defer { server.stop() }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("frames-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try CommandRun.run(Self.executable, ["frames", "https://127.0.0.1:\(server.port)/\(video.lastPathComponent)",
                                                          "--at", "1.01", "--out", out.path],
                                        environment: ["CURL_CA_BUNDLE": server.certificate, "VIDEO_LAMBDA_ALLOWED_HOSTS": "127.0.0.1"])
        XCTAssertEqual(result.status, 0, result.output)
        let report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: out.appendingPathComponent("frames.json")))
        XCTAssertEqual(report.frames.map(\.index), [31])
    }

    func testABadFileExitsWithItsError() throws {
        let result = try run(["frames", try TestVideos.path("audio_only.m4a"), "--count", "2",
                              "--out", FileManager.default.temporaryDirectory.appendingPathComponent("frames-unused").path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("no video stream"), result.stderr)
    }
}
