// `video-lambda serve`: the Lambda emulator for curl, SAM-style tooling and tests.
import ArgumentParser
import Dispatch
import Foundation
import LambdaEmulator

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the Lambda Runtime API to runtime processes and the RIE invoke endpoint to callers.",
        discussion: """
            Invoke with: curl -d '{"video":"..."}' http://127.0.0.1:PORT/2015-03-31/functions/function/invocations
            Example: video-lambda serve --port 9000 --handler echo -- .build/release/bootstrap
            """)

    @Option(help: "Port of the invoke endpoint (0 picks a free one).") var port = 9000
    @Option(help: "Address of the invoke endpoint: 0.0.0.0 to be reached from outside a container (the Runtime API stays on 127.0.0.1).")
    var host = "127.0.0.1"
    @Option(help: "Runtime processes to keep; each invocation goes to an idle one (of its tenant, with --tenant-isolation).") var concurrency = 1
    @Option(help: "Function timeout in seconds.") var timeout: Double = 30
    @Option(help: "Memory size reported to the function, in MB.") var memory = 1024
    @Option(help: "The function's name (AWS_LAMBDA_FUNCTION_NAME).") var functionName = "function"
    @Option(help: "_HANDLER for the runtime: which function it serves.") var handler = "echo"
    @Option(help: "LAMBDA_TASK_ROOT and working directory of the runtime (default: this directory).") var taskRoot = ""
    @Flag(help: "Tenant isolation mode: every invocation names its tenant (X-Amz-Tenant-Id), and a runtime serves one tenant.")
    var tenantIsolation = false
    @Flag(help: "Throttle as a function with reserved concurrency --concurrency: a synchronous invocation that finds every runtime busy gets 429 at once instead of waiting.")
    var throttle = false
    @Option(help: "How often a failed Event invocation is tried again, 0 to 2 (Lambda's MaximumRetryAttempts).") var eventRetries = 2
    @Option(help: "Seconds before the first retry of a failed Event invocation; each later one waits that much longer again (Lambda: about 60).")
    var eventRetryDelay: Double = 60
    @Argument(parsing: .postTerminator, help: "The runtime command, after --.") var command: [String] = []

    func run() async throws {
        guard !command.isEmpty else {
            throw ValidationError("give the runtime command after --, e.g. -- .build/release/bootstrap")
        }
        // Handled from before the runtimes start: a SIGTERM during start-up must not end us and
        // leave them running. (They are in process groups of their own, so a Ctrl-C reaches only us.)
        let termination = TerminationSignals()
        var configuration = EmulatorConfiguration(
            command: command, concurrency: concurrency, timeoutSeconds: timeout, memoryMB: memory,
            functionName: functionName, handler: handler, region: EmulatorConfiguration.callersProfileRegion, port: port,
            taskRoot: taskRoot)
        configuration.tenantIsolation = tenantIsolation
        configuration.throttlesWhenBusy = throttle
        configuration.eventRetries = eventRetries
        configuration.eventRetryDelaySeconds = eventRetryDelay
        configuration.invokeHost = host
        configuration.platformLog = .standardError(for: configuration)
        // Room for many runtimes and callers; the runtimes themselves get Lambda's 1024.
        LambdaEmulator.raiseOpenFileLimit()
        let emulator = try await LambdaEmulator.start(configuration)
        FileHandle.standardError.write(Data("""
            [emulator] invoke at http://\(host):\(emulator.port)/2015-03-31/functions/function/invocations \
            (\(concurrency) runtime\(concurrency == 1 ? "" : "s"), timeout \(timeout) s); Ctrl-C or SIGTERM stops it

            """.utf8))
        await termination.wait()
        FileHandle.standardError.write(Data("[emulator] stopping the runtimes\n".utf8))
        await emulator.shutdown()
        // After the shutdown, which ends (and reports) what was still running.
        if let summary = await emulator.platformReportSummary().text {
            FileHandle.standardError.write(Data("[emulator] served \(summary)\n".utf8))
        }
    }
}

/// SIGTERM and SIGINT, handled here instead of ending the process from the moment this is made.
final class TerminationSignals: @unchecked Sendable {
    private let queue = DispatchQueue(label: "signals")
    private let received = DispatchSemaphore(value: 0)
    private var sources: [DispatchSourceSignal] = []

    init() {
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { [received] in received.signal() }
            source.resume()
            sources.append(source)
        }
    }

    /// Returns once either signal has arrived (at any time since `init`).
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            // Not on `queue`: the signal handlers run there.
            DispatchQueue.global().async { [self] in
                received.wait()
                sources.forEach { $0.cancel() }
                // A second Ctrl-C while the runtimes are given their grace ends the process at once.
                signal(SIGINT, SIG_DFL)
                signal(SIGTERM, SIG_DFL)
                continuation.resume()
            }
        }
    }
}
