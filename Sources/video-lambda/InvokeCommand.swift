// `video-lambda invoke`: one event through a function, in this process or under the emulator.
import ArgumentParser
import Foundation
import LambdaEmulator
import LambdaRuntime

struct InvokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoke",
        abstract: "Run one event through a function and print its response (or its error, exiting 1).")

    @Option(help: "The event JSON file.") var event: String
    @Option(help: "The function to run (_HANDLER); defaults to $_HANDLER, then echo.") var function: String?
    @Flag(help: "Run the real bootstrap under the Lambda emulator instead of in this process.") var emulated = false
    @Option(help: "Function timeout in seconds (up to 900, Lambda's longest).") var timeout: Double = 900
    @Option(help: "With --emulated: the function's memory in MB (its threads follow it, one per 1769 MB, as on Lambda); by default 1769 MB per core here, so it uses every core as the in-process run does.")
    var memory: Int?

    func validate() throws {
        // The in-process run makes its deadline from it too, so it follows the emulator's rule.
        guard EmulatorConfiguration.isValidTimeout(timeout) else {
            throw ValidationError("--timeout \(timeout) is not above 0 and at most 900 seconds")
        }
        // In process the function runs with this machine's cores and memory: the option would do nothing.
        guard memory == nil || emulated else { throw ValidationError("--memory is for --emulated runs") }
    }

    func run() async throws {
        guard let eventBytes = FileManager.default.contents(atPath: event) else {
            throw ValidationError("cannot read the event file '\(event)'")
        }
        // Lambda takes no larger event (the emulator's endpoint answers 413); the library's invoke passes any on.
        guard eventBytes.count <= LambdaEmulator.requestLimit else {
            throw ValidationError("the event file '\(event)' is \(eventBytes.count) bytes; Lambda takes events of at most \(LambdaEmulator.requestLimit) bytes")
        }
        // As under the emulator (and in Lambda, where it is /var/task): the function's task root,
        // an allowed root for its files, is where it runs from, so a sample event's relative video
        // path reads the same in process and --emulated. Set in the process's environment, which
        // the function's store reads.
        if !emulated { setenv("LAMBDA_TASK_ROOT", FileManager.default.currentDirectoryPath, 0) }
        let environment = ProcessInfo.processInfo.environment
        let handler = function ?? environment["_HANDLER"] ?? "echo"
        let (body, failed) = emulated
            ? try await invokeEmulated(Array(eventBytes), handler: handler)
            : invokeInProcess(Array(eventBytes), handler: handler, environment: environment)
        FileHandle.standardOutput.write(Data(body + [UInt8(ascii: "\n")]))
        if failed { throw ExitCode(1) }
    }

    private func invokeInProcess(_ event: [UInt8], handler: String, environment: [String: String]) -> ([UInt8], Bool) {
        switch LocalInvoker.invoke(catalog: FunctionCatalog.all, handlerName: handler, event: event,
                                   environment: environment, timeoutSeconds: timeout) {
        case .success(let body): return (body, false)
        case .failure(let report): return (Array(report.jsonBody.utf8), true)
        }
    }

    /// One vCPU's worth of Lambda memory (1769 MB) per core here, within Lambda's 10240 MB: the
    /// emulated function then uses every core, as the in-process run does.
    static var memoryForEveryCore: Int { min(10240, 1769 * max(1, ProcessInfo.processInfo.activeProcessorCount)) }

    private func invokeEmulated(_ event: [UInt8], handler: String) async throws -> ([UInt8], Bool) {
        let bootstrap = FunctionCatalog.siblingExecutable("bootstrap")
        guard FileManager.default.isExecutableFile(atPath: bootstrap) else {
            throw ValidationError("no bootstrap next to this binary at \(bootstrap); build it with `swift build --product bootstrap`")
        }
        var configuration = EmulatorConfiguration(command: [bootstrap], timeoutSeconds: timeout, memoryMB: memory ?? Self.memoryForEveryCore,
                                                  functionName: handler, handler: handler,
                                                  region: EmulatorConfiguration.callersProfileRegion)
        configuration.platformLog = .standardError(for: configuration)
        // The runtime leads a process group of its own, which a Ctrl-C at the terminal does not
        // reach: on SIGINT or SIGTERM it is stopped with us (the invocation ends as Runtime.Shutdown),
        // instead of decoding and inferring on, orphaned, until its handler returns.
        let termination = TerminationSignals()
        let emulator = try await LambdaEmulator.start(configuration)
        let stopping = Task.detached { await termination.wait(); await emulator.shutdown() }
        let result = try await emulator.invoke(event)
        await emulator.shutdown()
        _ = stopping
        return (result.body, result.functionError != nil)
    }
}
