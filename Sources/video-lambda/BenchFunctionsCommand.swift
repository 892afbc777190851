// `video-lambda bench functions`: the moderation function in Swift against the same function in
// Python (awslambdaric + PyAV + onnxruntime + numpy), through the same emulator, in one run.
import ArgumentParser
import Dispatch
import Foundation
import LambdaEmulator

struct BenchFunctionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "functions",
        abstract: "Cold start, warm p50/p95 of 16-frame events (short clip, 10-minute file, local and S3), peak RSS: ours vs Python.")

    @Option(help: "The bootstrap to measure (default: the one built next to this binary).") var bootstrap: String?
    @Option(help: "The Python with awslambdaric, PyAV and onnxruntime.") var python = ".venv/bin/python"
    @Option(help: "The Python function's directory (handler.handle).") var pythonFunction = "bench/function"
    @Option(help: "The function to run.") var function = "video-moderation"
    @Option(help: "The short clip.") var clip = ".cache/videos/h264.mp4"
    @Option(help: "The long file.") var long = ".cache/videos/long_720p.mp4"
    @Option(help: "The long file on S3 (bench/video/with_moto.sh uploads it and sets AWS_*).") var s3Long: String?
    @Option(help: "Warm invocations per scenario.") var invocations = 10
    @Option(help: "Cold starts per runtime (median).") var coldStarts = 3

    struct Scenario { let name: String; let event: String }
    struct Figures { var cold: [Double] = []; var warm: [String: [Double]] = [:]; var peakRSS = 0.0 }
    /// One side of the comparison: a runtime command and how the emulator runs it.
    struct Side { let command: [String]; let configuration: EmulatorConfiguration }

    func validate() throws {
        try requireAtLeastOne(["invocations": invocations, "cold-starts": coldStarts])
    }

    func run() async throws {
        let root = FileManager.default.currentDirectoryPath
        func absolute(_ path: String) -> String { path.hasPrefix("/") ? path : root + "/" + path }
        var scenarios = [Scenario(name: "10 s 640x360 clip, local", event: absolute(clip)),
                         Scenario(name: "10-minute 720p, local", event: absolute(long))]
        if let s3Long { scenarios.append(Scenario(name: "10-minute 720p, S3", event: s3Long)) }
        let sides = [
            side(command: [absolute(bootstrap ?? FunctionCatalog.siblingExecutable("bootstrap"))], handler: function,
                 taskRoot: root, environment: [:]),
            side(command: [absolute(python), "-m", "awslambdaric", "handler.handle"], handler: "handler.handle",
                 taskRoot: absolute(pythonFunction), environment: ["VIDEO_FUNCTION": function, "VIDEO_FUNCTIONS_DIR": root + "/functions"]),
        ]
        let figures = try await measure(sides, scenarios: scenarios)
        let ours = figures[0], python = figures[1]
        func f(_ value: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", value) }
        let (oursCold, pythonCold) = (percentile(ours.cold, 0.5), percentile(python.cold, 0.5))
        var lines = ["\(function): Swift bootstrap vs Python (awslambdaric + PyAV + onnxruntime + numpy), same emulator, 16-frame direct events, \(invocations) warm invocations per row, the two runtimes in turns (\(ProcessInfo.processInfo.activeProcessorCount) cores)", "",
                     "| measure | ours | Python | ratio (ours/Python) | target |", "|---|---|---|---|---|",
                     "| cold start to first response, median of \(coldStarts) (ms) | \(f(oursCold)) | \(f(pythonCold)) | \(f(oursCold / pythonCold, 2))x | ≤ 0.25x |"]
        for scenario in scenarios {
            let a = ours.warm[scenario.name]!, b = python.warm[scenario.name]!
            lines.append("| warm p50, \(scenario.name) (ms) | \(f(percentile(a, 0.5))) | \(f(percentile(b, 0.5))) | \(f(percentile(a, 0.5) / percentile(b, 0.5), 2))x | ≤ 0.8x |")
            lines.append("| warm p95, \(scenario.name) (ms) | \(f(percentile(a, 0.95))) | \(f(percentile(b, 0.95))) | \(f(percentile(a, 0.95) / percentile(b, 0.95), 2))x | – |")
        }
        lines.append("| peak RSS of the runtime process (MB) | \(f(ours.peakRSS / 1e6)) | \(f(python.peakRSS / 1e6)) | \(f(ours.peakRSS / python.peakRSS, 2))x | ≤ 0.5x |")
        print(lines.joined(separator: "\n"))
    }

    private func side(command: [String], handler: String, taskRoot: String, environment: [String: String]) -> Side {
        // 3538 MB: Lambda's two full vCPUs, which the bootstrap sizes its threads by (and the two cores here).
        var configuration = EmulatorConfiguration(command: command, timeoutSeconds: 300, memoryMB: 3538, functionName: function, handler: handler,
                                                  shutdownGraceSeconds: 1)
        configuration.taskRoot = taskRoot
        configuration.environment = environment.merging(["LAMBDA_TASK_ROOT": taskRoot, "VIDEO_LAMBDA_ALLOWED_ROOTS": FileManager.default.currentDirectoryPath]) { $1 }
        return Side(command: command, configuration: configuration)
    }

    /// Measures every side in turns (A B A B ...), so that a change in the machine's speed during the
    /// run falls on both alike: the cold starts, then each scenario's warm invocations with both
    /// runtimes up at once (the idle one waits in GET next and takes no CPU).
    private func measure(_ sides: [Side], scenarios: [Scenario]) async throws -> [Figures] {
        func event(_ video: String) -> [UInt8] { Array(#"{"video": "\#(video)", "frames": 16}"#.utf8) }
        var figures = [Figures](repeating: Figures(), count: sides.count)
        // Cold: from starting the runtime process to the first response.
        for _ in 0..<coldStarts {
            for (index, side) in sides.enumerated() {
                let started = now()
                let emulator = try await LambdaEmulator.start(side.configuration)
                let result = try await emulator.invoke(event(scenarios[0].event))
                figures[index].cold.append(now() - started)
                await emulator.shutdown()
                guard result.functionError == nil else { throw ValidationError("\(side.command[0]) failed: \(result.bodyText)") }
            }
        }
        var emulators: [LambdaEmulator] = []
        do {
            for side in sides { emulators.append(try await LambdaEmulator.start(side.configuration)) }
            for scenario in scenarios {
                for emulator in emulators { _ = try await emulator.invoke(event(scenario.event)) } // warm-up for this file
                for _ in 0..<invocations {
                    for (index, emulator) in emulators.enumerated() {
                        let started = now()
                        let result = try await emulator.invoke(event(scenario.event))
                        guard result.functionError == nil else {
                            throw ValidationError("\(sides[index].command[0]), \(scenario.name) failed: \(result.bodyText)")
                        }
                        figures[index].warm[scenario.name, default: []].append(now() - started)
                    }
                }
            }
            for (index, emulator) in emulators.enumerated() {
                figures[index].peakRSS = await emulator.runtimePIDs().map(peakRSS).max() ?? 0
            }
        } catch {
            for emulator in emulators { await emulator.shutdown() }
            throw error
        }
        for emulator in emulators { await emulator.shutdown() }
        return figures
    }

    /// VmHWM: the process's peak resident set, in bytes.
    private func peakRSS(_ pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
        return kilobytes * 1024
    }

    private func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    private func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e6 }
}
