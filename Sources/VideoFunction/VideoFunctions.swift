// Registering every function under functions/ with the runtime, so `_HANDLER` can name any of them.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import Inference
import LambdaRuntime
import ObjectStore
import ONNX
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

    /// Adds a handler for each function, found by name when `_HANDLER` asks for it; each loads its
    /// model at init (once per container).
    public static func register(into catalog: inout HandlerCatalog, environment: [String: String]) {
        let root = directory(environment)
        catalog.register(resolving: { name in
            // A name is a function when its directory has a function.json (and is not a path).
            guard !name.isEmpty, !name.contains("/"), !name.hasPrefix("."),
                  access("\(root)/\(name)/function.json", R_OK) == 0 else { return nil }
            return { context in try makeHandler(name: name, root: root, context) }
        }, names: { names(in: root) })
    }

    private static func makeHandler(name: String, root: String, _ context: LambdaInitContext) throws -> LambdaByteHandler {
        _ = MallocArenas.limitToOne
        // FFmpeg and OpenBLAS load while the model file is read; the runtime's own handlers never
        // load them.
        FFmpegLibraries.startLoading()
        BLASLibrary.startLoading()
        let store = ObjectStore.fromEnvironment(functionsDirectory: root)
        let output: OutputLocation?
        let analyzer: VideoAnalyzer
        do {
            output = try VideoFunctionHandler.checkedOutput(context.environment["OUTPUT_URI"], store: store)
            analyzer = try VideoAnalyzer(directory: "\(root)/\(name)", name: name, store: store)
        } catch {
            // A failed init ends the process: not while a library is still loading on another
            // thread, whose constructors (FFmpeg's dependencies register GObject types) would run
            // beside exit's destructors and abort it now and then. Asking for them waits for them.
            _ = try? FFmpegLibraries.load()
            _ = try? BLASLibrary.load()
            throw error
        }
        FreedMemoryReuse.returnFreedPages()
        context.logger.info("\(name): model \(analyzer.config.model.name) (sha256 \(analyzer.modelSHA256.prefix(12))…) loaded, \(KernelContext.availableCores) threads")
        let handler = VideoFunctionHandler(analyzer: analyzer, output: output)
        if handler.output == nil {
            // Information, not a warning: direct and HTTP events (all a local run sends) need none.
            context.logger.info("\(name): OUTPUT_URI is not set: S3 events get their full results back, and SQS messages fail (their results would have nowhere to go)")
        }
        return handler
    }

    /// The built-in handlers plus every video function: what `bootstrap` and `video-lambda invoke` serve.
    public static func catalog(environment: [String: String] = ProcessInfo.processInfo.environment) -> HandlerCatalog {
        var catalog = HandlerCatalog.builtIn
        register(into: &catalog, environment: environment)
        return catalog
    }
}
