// `video-lambda bench runtime`: our runtime loop against awslambdaric and a raw HTTP loop, through
// the same emulator, in one run.
import ArgumentParser
import Foundation
import LambdaEmulator

struct BenchRuntimeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime",
        abstract: "Invocations/s of a trivial handler and cold start: bootstrap vs awslambdaric vs a raw loop.")

    @Option(help: "The Python with awslambdaric installed.") var python = ".venv/bin/python"
    @Option(help: "Directory holding the awslambdaric handlers module (handlers.echo).") var pythonHandlers = "bench/runtime"
    @Option(help: "The compiled raw HTTP loop (bench/runtime/raw_loop.c).") var rawLoop: String
    @Option(help: "The raw loop built to load libcurl first (-DRAW_LOOP_LIBCURL): its cold start is the floor for a runtime on libcurl.")
    var rawLoopLibcurl: String?
    @Option(help: "The bootstrap to measure (default: the one built next to this binary).") var bootstrap: String?
    @Option(help: "Invocations per throughput run.") var invocations = 5000
    @Option(help: "Throughput runs per runtime, taken in turns; the median is reported.") var rounds = 3
    @Option(help: "Process starts per cold-start median.") var coldStarts = 15

    func validate() throws {
        try requireAtLeastOne(["invocations": invocations, "rounds": rounds, "cold-starts": coldStarts])
    }

    func run() async throws {
        var benchmark = RuntimeBenchmark()
        benchmark.invocations = invocations
        benchmark.coldStarts = coldStarts
        benchmark.rounds = rounds
        // Runtimes start in their task root, so every path given to them is made absolute here.
        func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
        var runtimes = [
            BenchmarkedRuntime(name: "bootstrap (ours)", command: [absolute(bootstrap ?? FunctionCatalog.siblingExecutable("bootstrap"))],
                               handler: "echo"),
            BenchmarkedRuntime(name: "awslambdaric", command: [absolute(python), "-m", "awslambdaric", "handlers.echo"],
                               handler: "handlers.echo", taskRoot: absolute(pythonHandlers)),
            BenchmarkedRuntime(name: "raw HTTP loop (C)", command: [absolute(rawLoop)], handler: "echo"),
        ]
        // Its loop is the raw loop's: only its start is measured.
        if let rawLoopLibcurl {
            runtimes.append(BenchmarkedRuntime(name: "raw HTTP loop with libcurl loaded (C)", command: [absolute(rawLoopLibcurl)],
                                               handler: "echo", measureThroughput: false))
        }
        let measured = try await benchmark.measure(runtimes)
        print(report(ours: measured[0], ric: measured[1], raw: measured[2], rawWithLibcurl: rawLoopLibcurl == nil ? nil : measured[3]))
    }

    private func report(ours: RuntimeMeasurement, ric: RuntimeMeasurement, raw: RuntimeMeasurement,
                        rawWithLibcurl: RuntimeMeasurement?) -> String {
        func number(_ value: Double?, _ digits: Int) -> String { value.map { String(format: "%.\(digits)f", $0) } ?? "–" }
        func ratio(_ value: Double?, _ other: Double?, _ digits: Int) -> String {
            guard let value, let other else { return "–" }
            return number(value / other, digits) + "x"
        }
        // The raw loop loading libcurl first: the floor for a runtime on libcurl, in the raw loop's column.
        let floor = rawWithLibcurl.map { peer in
            "\n| cold start against the raw loop loading libcurl first, the floor on libcurl (ms) | \(number(ours.coldStartMilliseconds, 2)) | – | – | \(number(peer.coldStartMilliseconds, 2)) | \(ratio(ours.coldStartMilliseconds, peer.coldStartMilliseconds, 2)) |"
        } ?? ""
        return """
            Runtime loop, echo handler, \(invocations) invocations per run through the same emulator, median of \(rounds) runs each taken in turns (\(ProcessInfo.processInfo.activeProcessorCount) cores)

            | measure | ours | awslambdaric | ratio (ours/awslambdaric) | raw HTTP loop | ratio (ours/raw) |
            |---|---|---|---|---|---|
            | invocations/s | \(number(ours.invocationsPerSecond, 0)) | \(number(ric.invocationsPerSecond, 0)) | \(ratio(ours.invocationsPerSecond, ric.invocationsPerSecond, 2)) (target ≥ 5x) | \(number(raw.invocationsPerSecond, 0)) | \(ratio(ours.invocationsPerSecond, raw.invocationsPerSecond, 2)) (target ≥ 0.8x) |
            | runtime CPU per invocation (µs) | \(number(ours.cpuMicrosecondsPerInvocation, 1)) | \(number(ric.cpuMicrosecondsPerInvocation, 1)) | \(ratio(ours.cpuMicrosecondsPerInvocation, ric.cpuMicrosecondsPerInvocation, 2)) | \(number(raw.cpuMicrosecondsPerInvocation, 1)) | \(ratio(ours.cpuMicrosecondsPerInvocation, raw.cpuMicrosecondsPerInvocation, 2)) |
            | cold start, median of \(coldStarts) taken in turns (ms) | \(number(ours.coldStartMilliseconds, 2)) | \(number(ric.coldStartMilliseconds, 1)) | \(ratio(ours.coldStartMilliseconds, ric.coldStartMilliseconds, 3)) (target ≤ 0.2x) | \(number(raw.coldStartMilliseconds, 2)) | \(ratio(ours.coldStartMilliseconds, raw.coldStartMilliseconds, 2)) |\(floor)
            """
    }
}
