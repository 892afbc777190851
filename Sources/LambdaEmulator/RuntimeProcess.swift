// A runtime child process: started with Lambda's environment, watched, stopped by its PID.
import Foundation

/// One running runtime. `onExit` is called once, on a background thread, when it ends.
final class RuntimeProcess {
    let pid: Int32
    private let process: Process

    init(command: [String], environment: [String: String], onExit: @escaping @Sendable (ProcessStatus) -> Void) throws {
        guard let executable = command.first else {
            throw EmulatorError(.badCommand, "no runtime command given")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.resolve(executable, path: environment["PATH"]))
        process.arguments = Array(command.dropFirst())
        process.environment = environment
        // The runtime's stdout (logs, EMF records) goes to our stderr: our stdout stays the caller's.
        process.standardOutput = FileHandle.standardError
        process.terminationHandler = { finished in
            onExit(finished.terminationReason == .uncaughtSignal ? .signalled(finished.terminationStatus)
                                                                : .exited(finished.terminationStatus))
        }
        do {
            try process.run()
        } catch {
            throw EmulatorError(.badCommand, "could not start runtime '\(command.joined(separator: " "))': \(error)")
        }
        self.process = process
        self.pid = process.processIdentifier
    }

    var isRunning: Bool { process.isRunning }

    func signal(_ signal: Int32) {
        if process.isRunning { kill(pid, signal) }
    }

    /// SIGTERM, then SIGKILL if it is still running after `grace` seconds.
    func terminate(grace: Double) {
        signal(SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        signal(SIGKILL)
        process.waitUntilExit()
    }

    /// A bare name is looked up on PATH, as a shell would; a path is used as it is.
    private static func resolve(_ executable: String, path: String?) -> String {
        guard !executable.contains("/") else { return executable }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(executable)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return executable
    }
}
