// Registering every function under functions/ with the runtime, so `_HANDLER` can name any of them.
import Foundation
import Inference
import LambdaRuntime
import ObjectStore
import VideoIO

public enum VideoFunctions {
    /// functions/ under LAMBDA_TASK_ROOT (the container image's /var/task), else VIDEO_LAMBDA_FUNCTIONS,
    /// else ./functions.
    public static func directory(_ environment: [String: String]) -> String {
        if let explicit = environment["VIDEO_LAMBDA_FUNCTIONS"], !explicit.isEmpty { return explicit }
        if let root = environment["LAMBDA_TASK_ROOT"], FileManager.default.fileExists(atPath: root + "/functions") { return root + "/functions" }
        return FileManager.default.currentDirectoryPath + "/functions"
    }

    /// The names of the directories with a function.json.
    public static func names(in directory: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return entries.filter { FileManager.default.fileExists(atPath: "\(directory)/\($0)/function.json") }.sorted()
    }

    /// Adds one handler per function; each loads its model at init (once per container).
    public static func register(into catalog: inout HandlerCatalog, environment: [String: String]) {
        let root = directory(environment)
        for name in names(in: root) {
            catalog.register(name) { context in
                // FFmpeg loads while the model does; the runtime's own handlers never load it.
                FFmpegLibraries.startLoading()
                let store = ObjectStore.fromEnvironment(functionsDirectory: root)
                let analyzer = try VideoAnalyzer(directory: "\(root)/\(name)", name: name, store: store)
                context.logger.info("\(name): model \(analyzer.config.model.name) (sha256 \(analyzer.modelSHA256.prefix(12))…) loaded, \(KernelContext.availableCores) threads")
                return VideoFunctionHandler(analyzer: analyzer, outputURI: context.environment["OUTPUT_URI"])
            }
        }
    }

    /// The built-in handlers plus every video function: what `bootstrap` and `video-lambda invoke` serve.
    public static func catalog(environment: [String: String] = ProcessInfo.processInfo.environment) -> HandlerCatalog {
        var catalog = HandlerCatalog.builtIn
        register(into: &catalog, environment: environment)
        return catalog
    }
}
