// Running a command to its end in tests: its combined output and how it ended.
import Foundation

public struct CommandRun {
    public let status: Int32
    /// False when a signal ended the process (a crash) rather than exit().
    public let exited: Bool
    /// Standard output and standard error, interleaved.
    public let output: String

    /// Runs `executable` with `arguments` (and `environment` over this process's, less `unset`) in
    /// `directory`. `errors`: standard error goes into `output` too; else it is dropped (the
    /// output is then a command's answer alone, as JSON a test reads).
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           unset: [String] = [], in directory: URL? = nil, errors: Bool = true) throws -> CommandRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        for name in unset { variables[name] = nil }
        process.environment = variables
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = errors ? pipe : FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandRun(status: process.terminationStatus, exited: process.terminationReason == .exit,
                          output: String(decoding: data, as: UTF8.self))
    }
}
