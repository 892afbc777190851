// The `video-lambda` command line: local invoke, the emulator, frame extraction, model checks.
import ArgumentParser

@main
struct VideoLambdaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "video-lambda",
        abstract: "Run VideoLambda functions locally: invoke events, serve the Runtime API, inspect frames and models.",
        subcommands: [
            // One line per subcommand, each defined in its own file.
            InvokeCommand.self,
            ServeCommand.self,
            CheckModelCommand.self,
            FramesCommand.self,
            BenchCommand.self,
        ]
    )
}
