// The process entry point: environment → logger, client, loop; the exit status for main.
#if canImport(Glibc)
import Glibc
#endif

public enum Lambda {
    /// Lambda's limit on a synchronous response payload. It is not 6 MiB: Lambda refuses a response
    /// "exceeded maximum allowed payload size (6291556 bytes)", 100 bytes over the request limit.
    public static let maxResponseBytes = 6_291_556

    /// Serves the handler `_HANDLER` names from `catalog` until the Runtime API ends the process,
    /// and returns the exit status. Executables call `exit(Lambda.run(catalog: ...))`.
    public static func run(catalog: HandlerCatalog, environment: [String: String] = ProcessEnvironment.current()) -> Int32 {
        // A log line written after whoever reads stdout or stderr went away must not end the process
        // with SIGPIPE, silently, in the middle of an invocation: the write fails and the work goes on.
        signal(SIGPIPE, SIG_IGN)
        let logger = LambdaLogger.fromEnvironment(environment)
        let client: CurlRuntimeAPIClient
        do {
            client = try CurlRuntimeAPIClient(runtimeAPI: environment["AWS_LAMBDA_RUNTIME_API"],
                                              workingDirectory: environment["LAMBDA_TASK_ROOT"] ?? "/var/task", logger: logger)
        } catch {
            logger.fatal("\(error)")
            return 1
        }
        let loop = LambdaRunLoop(client: client, environment: environment, logger: logger,
                                 metrics: .fromEnvironment(environment))
        return loop.run(makeHandler: catalog.makeHandler)
    }
}

/// The process environment as a dictionary (read once; the loop only changes `_X_AMZN_TRACE_ID`).
public enum ProcessEnvironment {
    public static func current() -> [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return result
    }
}
