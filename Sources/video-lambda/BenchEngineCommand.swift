// `video-lambda bench engine`: our engine against onnxruntime on the real models, in one run.
import ArgumentParser
import Dispatch
import Foundation
import Inference
import ONNX

struct BenchEngineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Model load time, per-frame latency at batch 1 and 16 with 1 and 2 threads, peak RSS: ours vs onnxruntime.")

    @Option(help: "Model directories (model.onnx.zst + test_data_set_0), comma-separated.")
    var models = ".cache/models/open-nsfw,.cache/models/pp-lcnet-orientation"
    @Option(help: "The Python with onnxruntime installed.") var python = ".venv/bin/python"
    @Option(help: "onnxruntime's side of the benchmark.") var peer = "bench/engine/ort_engine_bench.py"
    @Option(help: "Timed runs at batch 1.") var batch1Runs = 20
    @Option(help: "Timed runs at batch 16.") var batch16Runs = 5
    @Option(help: "Processes per side for each row, taken in turns (ours, onnxruntime, ours, ...); each figure is their median.")
    var rounds = 5
    /// Internal: measure one configuration in this process and print it as JSON (keeps peak RSS per run).
    @Option(help: .hidden) var worker: String?
    @Option(help: .hidden) var threads = 1

    func validate() throws {
        try requireAtLeastOne(["batch1-runs": batch1Runs, "batch16-runs": batch16Runs, "rounds": rounds, "threads": threads])
    }

    func run() throws {
        if let worker {
            print(try String(decoding: JSONEncoder().encode(EngineMeasurement.measure(directory: worker, threads: threads, runs1: batch1Runs, runs16: batch16Runs)), as: UTF8.self))
            return
        }
        let gflops = try [1, 2].map { try SgemmThroughput.measure(threads: $0) }
        var lines = [
            "Engine vs onnxruntime, same model file (.onnx.zst) and inputs, \(rounds) processes per side and row taken in turns, median of each figure (\(ProcessInfo.processInfo.activeProcessorCount) cores)",
            "sgemm 1024³: \(String(format: "%.1f", gflops[0])) GFLOP/s with 1 thread, \(String(format: "%.1f", gflops[1])) GFLOP/s with 2 threads (OpenBLAS kernels: \(try BLASLibrary.kernelSet()))",
            "",
            "| model | threads | load ms (ours / ort / ratio) | batch 1 ms/frame (ours / ort / ratio) | batch 16 ms/frame (ours / ort / ratio) | batch-16 throughput ours/ort (target ≥ 0.8x) | peak RSS MB (ours / ort / ratio) |",
            "|---|---|---|---|---|---|---|",
        ]
        for directory in models.split(separator: ",").map(String.init) {
            for threads in [1, 2] {
                // In turns, so that a change in the machine's speed during the run falls on both sides.
                var oursRuns: [EngineMeasurement] = [], ortRuns: [EngineMeasurement] = []
                for _ in 0..<max(1, rounds) {
                    oursRuns.append(try runJSON([CommandLine.arguments[0], "bench", "engine", "--worker", directory, "--threads", String(threads),
                                                 "--batch1-runs", String(batch1Runs), "--batch16-runs", String(batch16Runs)]))
                    ortRuns.append(try runJSON([python, peer, directory, String(threads), String(batch1Runs), String(batch16Runs)]))
                }
                let ours = EngineMeasurement.median(oursRuns), ort = EngineMeasurement.median(ortRuns)
                func cell(_ a: Double, _ b: Double, _ scale: Double, _ digits: Int) -> String {
                    "\(String(format: "%.\(digits)f", a * scale)) / \(String(format: "%.\(digits)f", b * scale)) / \(String(format: "%.2f", a / b))x"
                }
                lines.append("| \(URL(fileURLWithPath: directory).lastPathComponent) | \(threads) | \(cell(ours.load, ort.load, 1000, 1)) | \(cell(ours.batch1, ort.batch1, 1000, 2)) | \(cell(ours.batch16 / 16, ort.batch16 / 16, 1000, 2)) | \(String(format: "%.2f", ort.batch16 / ours.batch16))x | \(cell(ours.peakRSS, ort.peakRSS, 1e-6, 0)) |")
            }
        }
        print(lines.joined(separator: "\n"))
    }

    private func runJSON(_ arguments: [String]) throws -> EngineMeasurement {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
              let measurement = try? JSONDecoder().decode(EngineMeasurement.self, from: Data(line.utf8)) else {
            throw ValidationError("benchmark worker failed: \(arguments.joined(separator: " "))")
        }
        return measurement
    }
}

/// One configuration's figures, in seconds and bytes.
struct EngineMeasurement: Codable {
    var load: Double
    var batch1: Double
    var batch16: Double
    var peakRSS: Double

    /// Each figure's median over `runs` (taken separately: the runs need not agree on which is slowest).
    static func median(_ runs: [EngineMeasurement]) -> EngineMeasurement {
        func middle(_ figure: (EngineMeasurement) -> Double) -> Double { runs.map(figure).sorted()[runs.count / 2] }
        return EngineMeasurement(load: middle(\.load), batch1: middle(\.batch1), batch16: middle(\.batch16), peakRSS: middle(\.peakRSS))
    }

    static func measure(directory: String, threads: Int, runs1: Int, runs16: Int) throws -> EngineMeasurement {
        let frame = try ModelCheck.readTensor(directory + "/test_data_set_0/input_0.pb")
        let start = DispatchTime.now().uptimeNanoseconds
        let model = try ModelLoader.load(path: directory + "/model.onnx.zst")
        let session = try Session(graph: model.graph, options: SessionOptions(threads: threads))
        let load = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let name = model.graph.inputs[0].name
        func medianLatency(batch: Int, runs: Int) throws -> Double {
            let data = repeated(frame, batch)
            _ = try session.run([name: data]) // warm-up: builds the plan and fills the buffer pool
            var times: [Double] = []
            for _ in 0..<runs {
                let t = DispatchTime.now().uptimeNanoseconds
                _ = try session.run([name: data])
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9)
            }
            return times.sorted()[times.count / 2]
        }
        let batch1 = try medianLatency(batch: 1, runs: runs1)
        let batch16 = try medianLatency(batch: 16, runs: runs16)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return EngineMeasurement(load: load, batch1: batch1, batch16: batch16, peakRSS: Double(usage.ru_maxrss) * 1024)
    }

    /// The first item of `tensor` repeated `count` times along the batch axis.
    static func repeated(_ tensor: Tensor, _ count: Int) -> Tensor {
        let item = tensor.count / tensor.shape[0]
        var result = Tensor(.float32, shape: [count] + tensor.shape.dropFirst())
        tensor.withUnsafeBufferPointer(as: Float.self) { source in
            result.withUnsafeMutableBufferPointer(as: Float.self) { target in
                for b in 0..<count { for i in 0..<item { target[b * item + i] = source[i] } }
            }
        }
        return result
    }
}
