// `video-lambda bench`: side-by-side benchmarks that print ours, the peer's and the ratio from one run.
import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks against the peers users compare us with (release builds only).",
        subcommands: [
            BenchRuntimeCommand.self,
            BenchFunctionsCommand.self,
            BenchEngineCommand.self,
            BenchVideoCommand.self,
        ]
    )
}
