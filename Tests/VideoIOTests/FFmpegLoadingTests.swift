// FFmpeg is loaded on first use: the binaries are not linked against it, a video still decodes, and a
// broken FFmpeg installation is a clear error rather than a crash.
import Foundation
import TestServers
import XCTest

final class FFmpegLoadingTests: XCTestCase {
    private func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> CommandRun {
        try CommandRun.run(executable, arguments, environment: environment)
    }

    func testBinariesAreNotLinkedAgainstFFmpegYetDecode() throws {
        for binary in ["bootstrap", "video-lambda"] {
            let ldd = try run("/usr/bin/ldd", [BuiltProducts.executable(binary)])
            XCTAssertEqual(ldd.status, 0)
            XCTAssertFalse(ldd.output.contains("libavcodec"), "\(binary) links FFmpeg at start:\n\(ldd.output)")
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("lazy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let decoded = try run(BuiltProducts.executable("video-lambda"),
                              ["frames", try TestVideos.path("h264.mp4"), "--count", "2", "--size", "64x36", "--out", out.path])
        XCTAssertEqual(decoded.status, 0, decoded.output)
    }

    func testABrokenFFmpegIsAClearError() throws {
        // A library that is not ELF, found first on the search path: dlopen fails as for a broken install.
        let fake = FileManager.default.temporaryDirectory.appendingPathComponent("broken-ffmpeg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: fake, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: fake) }
        let libraries = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu"]
            .flatMap { (try? FileManager.default.contentsOfDirectory(atPath: $0)) ?? [] }
        let soname = try XCTUnwrap(libraries.first { $0.hasPrefix("libavutil.so.") && $0.split(separator: ".").count == 3 })
        try Data("not a library".utf8).write(to: fake.appendingPathComponent(soname))
        let result = try run(BuiltProducts.executable("video-lambda"),
                             ["frames", try TestVideos.path("h264.mp4"), "--count", "1", "--out", fake.appendingPathComponent("out").path],
                             environment: ["LD_LIBRARY_PATH": fake.path])
        XCTAssertTrue(result.exited, "crashed instead of failing: \(result.output)")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("cannot load FFmpeg (\(soname))"), result.output)
    }
}
