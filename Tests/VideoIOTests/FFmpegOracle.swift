// The ffmpeg CLI as the decode oracle: which frame `-ss T` gives, and its pixels at a size.
import Foundation
import XCTest

/// Runs `ffmpeg -copyts -ss T -i FILE -frames:v 1` (autorotation on, as by default), reading the
/// frame's presentation time from showinfo and its pixels as raw RGB24 scaled with `filters`.
enum FFmpegOracle {
    struct Frame {
        var timestamp: Double
        var rgb: [UInt8]
    }

    /// `filters` run after showinfo, e.g. "scale=224:224:flags=bilinear". Nil when ffmpeg outputs
    /// no frame (the time is past the last frame).
    ///
    /// With `decodingFromStart` it decodes from the first frame and keeps the first at or after T
    /// (`-vf trim=start=T`) instead of seeking: for containers where the CLI's own seek is inexact
    /// (MPEG-TS bisects by timestamps). Times are then relative to the file's start.
    static func frame(_ file: String, at seconds: Double, filters: String, decodingFromStart: Bool = false) throws -> Frame? {
        let time = String(format: "%.6f", seconds)
        let selection = decodingFromStart
            ? ["-i", file, "-frames:v", "1", "-vf", "trim=start=\(time),showinfo," + filters]
            : ["-copyts", "-ss", time, "-i", file, "-frames:v", "1", "-vf", "showinfo," + filters]
        let (stdout, stderr) = try run("/usr/bin/ffmpeg", ["-hide_banner", "-nostdin", "-loglevel", "info"] + selection
                                                            + ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        guard !stdout.isEmpty else { return nil }
        // -copyts keeps the file's timestamps, so showinfo prints the frame's own pts_time.
        guard let line = stderr.split(separator: "\n").first(where: { $0.contains("Parsed_showinfo") && $0.contains("pts_time:") }),
              let range = line.range(of: "pts_time:") else {
            XCTFail("no showinfo line in ffmpeg's output: \(stderr.suffix(2000))")
            return nil
        }
        let value = line[range.upperBound...].prefix { !$0.isWhitespace }
        return Frame(timestamp: Double(value) ?? .nan, rgb: Array(stdout))
    }

    /// Mean absolute difference of two equally long byte buffers, in 8-bit units.
    static func meanAbsoluteDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
        precondition(a.count == b.count, "\(a.count) vs \(b.count) bytes")
        var total = 0
        for index in a.indices { total += abs(Int(a[index]) - Int(b[index])) }
        return Double(total) / Double(max(1, a.count))
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (Data, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // stderr goes to a file so that neither pipe can fill up and block ffmpeg.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("ffmpeg-oracle-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (data, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }
}
