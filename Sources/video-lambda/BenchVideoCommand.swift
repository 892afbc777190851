// `video-lambda bench video`: 16 preprocessed frames of a long video, ours vs PyAV (accurate seeks, decode-all), and S3 bytes.
import ArgumentParser
import Foundation
import Inference
import ObjectStore
import VideoIO

struct BenchVideoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "video",
        abstract: "Time to N preprocessed frames of a video: ours vs PyAV with accurate seeks and PyAV decoding everything; S3 bytes fetched.")

    @Option(help: "The video (a local file).") var file = ".cache/videos/long_720p.mp4"
    @Option(help: "The same video on S3 (needs AWS_* and AWS_ENDPOINT_URL_S3, e.g. from bench/video/with_moto.sh).") var s3URI: String?
    @Option(help: "The Python with PyAV installed.") var python = ".venv/bin/python"
    @Option(help: "The PyAV baseline script.") var script = "bench/video/pyav_sample.py"
    @Option(help: "Frames per sample.") var count = 16
    @Option(help: "Model input size (square).") var size = 224
    @Option(help: "Repetitions of the fast measurements (the median is reported).") var repetitions = 5

    func validate() throws {
        try requireAtLeastOne(["count": count, "size": size, "repetitions": repetitions])
    }

    func run() throws {
        let path = URL(fileURLWithPath: file).standardizedFileURL.path
        let local = ObjectStore(policy: AccessPolicy(allowedRoots: ["/"]), s3: .fromEnvironment([:]))
        let (ours, ourTimes, _) = try measure(repetitions) { try sample(path, store: local) }
        let baseline = try runPyAV(path)
        var s3Line = ""
        if let s3URI {
            let remote = ObjectStore.fromEnvironment()
            let (seconds, _, statistics) = try measure(1) { try sample(s3URI, store: remote) }
            let size = try remote.reader(for: s3URI).size
            s3Line = """

                S3 (moto_server on loopback, SigV4 checked): \(statistics.bytesFetched) of \(size) bytes fetched \
                (\(String(format: "%.2f", Double(statistics.bytesFetched) / Double(size) * 100))%, target ≤ 5%) \
                in \(statistics.requests) range requests, \(String(format: "%.3f", seconds)) s
                """
        }
        let same = zip(ourTimes, baseline.accurateTimes).allSatisfy { abs($0 - $1) < 1e-4 } && ourTimes.count == baseline.accurateTimes.count
        func s(_ value: Double) -> String { String(format: "%.3f", value) }
        func ratio(_ value: Double) -> String { String(format: "%.2fx", value) }
        print("""
            \(count) frames → \(count)x3x\(size)x\(size) float32 (uniform over the video, bilinear, ImageNet normalization), \
            \(URL(fileURLWithPath: path).lastPathComponent), \(ProcessInfo.processInfo.activeProcessorCount) cores, \
            median of \(repetitions) (decode-all: 1 run); PyAV \(baseline.version)

            | measure | ours | PyAV accurate seek | PyAV decode-all | ours/accurate | ours/decode-all |
            |---|---|---|---|---|---|
            | seconds | \(s(ours)) | \(s(baseline.accurate)) | \(s(baseline.decodeAll)) | \(ratio(ours / baseline.accurate)) (target ≤ 1x) | \(ratio(ours / baseline.decodeAll)) |

            Same frames as PyAV's accurate seeks (pts): \(same ? "yes" : "NO: ours \(ourTimes), PyAV \(baseline.accurateTimes)")\(s3Line)
            """)
    }

    /// Open, sample, preprocess: what a function does per video (GOPs decoded on every core).
    private func sample(_ uri: String, store: ObjectStore) throws -> ([Double], ReadStatistics) {
        let cores = KernelContext.availableCores
        let reader = try ParallelVideoReader(uri: uri, store: store, maximumLanes: cores)
        let batch = try reader.frames(.uniform(count: count), lanes: cores)
        let tensor = try Preprocessor(PreprocessOptions(width: size, height: size, normalization: .imageNet)).tensor(from: batch.frames)
        guard tensor.shape == [count, 3, size, size] else { throw ValidationError("unexpected batch shape \(tensor.shape)") }
        return (batch.frames.map(\.timestamp), reader.readStatistics)
    }

    private func measure(_ times: Int, _ body: () throws -> ([Double], ReadStatistics)) throws -> (Double, [Double], ReadStatistics) {
        var seconds: [Double] = []
        var last: ([Double], ReadStatistics) = ([], ReadStatistics())
        for _ in 0..<max(1, times) {
            let start = DispatchTime.now().uptimeNanoseconds
            last = try body()
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return (seconds.sorted()[seconds.count / 2], last.0, last.1)
    }

    private struct Baseline: Decodable {
        var pyav: String
        var ffmpeg: String
        var accurate_seconds: [Double]
        var accurate_times: [Double]
        var decode_all_seconds: [Double]
        var version: String { "\(pyav) (libavcodec \(ffmpeg))" }
        var accurate: Double { accurate_seconds.sorted()[accurate_seconds.count / 2] }
        var accurateTimes: [Double] { accurate_times }
        var decodeAll: Double { decode_all_seconds.sorted()[decode_all_seconds.count / 2] }
    }

    private func runPyAV(_ path: String) throws -> Baseline {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, path, "--count", String(count), "--size", String(size), "--repeat", String(repetitions)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(script) failed with status \(process.terminationStatus); is PyAV installed (make deps)?")
        }
        return try JSONDecoder().decode(Baseline.self, from: data)
    }
}
