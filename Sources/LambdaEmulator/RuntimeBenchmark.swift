// Measuring a runtime through the emulator: how many invocations per second its loop turns over,
// and how long its process takes from start to its first GET next.
import Foundation

/// What one runtime measured, in one run of the benchmark.
public struct RuntimeMeasurement: Sendable {
    public let name: String
    /// Invocations answered per second, with invocations always queued so the runtime never waits;
    /// nil when not measured.
    public let invocationsPerSecond: Double?
    /// CPU time the runtime process itself spent per invocation, in microseconds: its own cost,
    /// apart from the emulator's and the kernel's share of each round trip; nil when not measured.
    public let cpuMicrosecondsPerInvocation: Double?
    /// Median cold start in milliseconds (process start → first GET next); nil when not measured.
    public let coldStartMilliseconds: Double?
}

/// A runtime command to measure.
public struct BenchmarkedRuntime: Sendable {
    public let name: String
    public let command: [String]
    public let handler: String
    public var taskRoot = ""
    public var measureThroughput = true
    public var measureColdStart = true

    public init(name: String, command: [String], handler: String, taskRoot: String = "",
                measureThroughput: Bool = true, measureColdStart: Bool = true) {
        self.name = name
        self.command = command
        self.handler = handler
        self.taskRoot = taskRoot
        self.measureThroughput = measureThroughput
        self.measureColdStart = measureColdStart
    }

    var configuration: EmulatorConfiguration {
        EmulatorConfiguration(command: command, timeoutSeconds: 60, functionName: "bench",
                              handler: handler, shutdownGraceSeconds: 2, taskRoot: taskRoot)
    }
}

/// Drives runtime commands under the emulator. Every runtime gets the same events, the same
/// emulator and the same measuring, so the figures differ only by the runtime.
public struct RuntimeBenchmark: Sendable {
    public var invocations = 5000
    /// Throughput runs per runtime, taken in turns (A B C A B C ...) and reported as the median, so
    /// that a change in the machine's load during the run falls on every runtime alike.
    public var rounds = 1
    /// Invocations kept in flight: enough that the next event is always waiting at GET next.
    public var inFlight = 32
    public var coldStarts = 15
    public var event = Array(#"{"video":"s3://bucket/clip.mp4","frames":16}"#.utf8)

    public init() {}

    /// Measures each runtime: throughput rounds in turns, then cold starts in turns.
    public func measure(_ runtimes: [BenchmarkedRuntime]) async throws -> [RuntimeMeasurement] {
        var runs = [[(rate: Double, cpu: Double)]](repeating: [], count: runtimes.count)
        for _ in 0..<max(1, rounds) {
            for (index, runtime) in runtimes.enumerated() where runtime.measureThroughput {
                runs[index].append(try await throughput(runtime.configuration))
            }
        }
        var starts = [[Double]](repeating: [], count: runtimes.count)
        for _ in 0..<coldStarts {
            for (index, runtime) in runtimes.enumerated() where runtime.measureColdStart {
                starts[index].append(try await coldStart(runtime.configuration))
            }
        }
        return runtimes.indices.map { index in
            RuntimeMeasurement(name: runtimes[index].name, invocationsPerSecond: Self.median(runs[index].map(\.rate)),
                               cpuMicrosecondsPerInvocation: Self.median(runs[index].map(\.cpu)),
                               coldStartMilliseconds: Self.median(starts[index]))
        }
    }

    public func measure(name: String, command: [String], handler: String, taskRoot: String = "",
                        measureThroughput: Bool = true, measureColdStart: Bool = true) async throws -> RuntimeMeasurement {
        try await measure([BenchmarkedRuntime(name: name, command: command, handler: handler, taskRoot: taskRoot,
                                              measureThroughput: measureThroughput, measureColdStart: measureColdStart)])[0]
    }

    /// nil for no values (a figure not measured).
    private static func median(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.sorted()[values.count / 2]
    }

    private func throughput(_ configuration: EmulatorConfiguration) async throws -> (Double, Double) {
        let emulator = try await LambdaEmulator.start(configuration)
        do {
            let rate = try await throughput(of: emulator)
            await emulator.shutdown()
            return rate
        } catch {
            await emulator.shutdown()
            throw error
        }
    }

    private func throughput(of emulator: LambdaEmulator) async throws -> (Double, Double) {
        guard await emulator.waitUntilReady() else {
            throw EmulatorError(.badCommand, "'\(emulator.configuration.command.joined(separator: " "))' never asked for work")
        }
        // Warm up (first-call costs, lazy imports) outside the measured window.
        for _ in 0..<50 { try check(await emulator.invoke(event)) }
        let pid = await emulator.runtimePIDs().first ?? 0
        let cpuBefore = Self.cpuNanoseconds(pid)
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            var submitted = 0
            while submitted < min(inFlight, invocations) {
                group.addTask { try check(await emulator.invoke(event)) }
                submitted += 1
            }
            // Each answer lets one more in, until all are submitted; then the rest drain.
            while try await group.next() != nil {
                guard submitted < invocations else { continue }
                group.addTask { try check(await emulator.invoke(event)) }
                submitted += 1
            }
        }
        let seconds = (ContinuousClock.now - started).seconds
        let cpu = Double(Self.cpuNanoseconds(pid) - cpuBefore) / 1000 / Double(invocations)
        return (Double(invocations) / seconds, cpu)
    }

    /// Time the process has run on a CPU, all threads, in nanoseconds (Linux /proc/PID/schedstat).
    private static func cpuNanoseconds(_ pid: Int32) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/schedstat", encoding: .utf8),
              let first = text.split(separator: " ").first else { return 0 }
        return Int(first) ?? 0
    }

    /// One process start → first GET next, in milliseconds.
    private func coldStart(_ configuration: EmulatorConfiguration) async throws -> Double {
        let emulator = try await LambdaEmulator.start(configuration)
        let ready = await emulator.waitUntilReady()
        let durations = await emulator.coldStartDurations()
        await emulator.shutdown()
        guard ready, let first = durations.first else {
            throw EmulatorError(.badCommand, "'\(configuration.command.joined(separator: " "))' never asked for work")
        }
        return first
    }

    /// A benchmark that counts failed invocations as served would measure nothing.
    private func check(_ result: InvocationResult) throws {
        if let errorType = result.errorType {
            throw EmulatorError(.badCommand, "the benchmark handler failed: \(errorType): \(result.bodyText.prefix(200))")
        }
    }
}

extension Duration {
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
