// How the emulator runs a function: the runtime command, its environment, limits, concurrency.
import Foundation

/// The settings of one emulated function.
public struct EmulatorConfiguration: Sendable {
    /// The runtime to start (e.g. `[".build/release/bootstrap"]`); empty means no child processes:
    /// an external runtime connects to `runtimeAPIAddresses` (protocol tests).
    public var command: [String]
    /// Runtime processes kept; each invocation goes to an idle one (of its tenant, with `tenantIsolation`).
    public var concurrency: Int
    /// The function timeout: past it the caller gets Lambda's timeout error and the process is replaced.
    public var timeoutSeconds: Double
    public var memoryMB: Int
    public var functionName: String
    /// `_HANDLER` for the runtime.
    public var handler: String
    public var region: String
    /// The main (invoke) endpoint's port; 0 picks a free one.
    public var port: Int
    /// The address every listener binds: the Runtime API's, which only the runtimes the emulator
    /// starts use, and the invoke endpoint's unless `invokeHost` says otherwise.
    public var host: String
    /// The invoke endpoint's address when not `host` (0.0.0.0: reachable from outside a container).
    public var invokeHost: String?
    /// Extra environment for the runtime, over the emulator's own and Lambda's variables.
    public var environment: [String: String]
    /// How long a runtime has to exit after SIGTERM before SIGKILL.
    public var shutdownGraceSeconds: Double
    /// How long init may take at least, whatever the function timeout: Lambda gives init 10 s of
    /// its own (and retries it within the invocation's timeout), so a 3 s function may load a model
    /// for 5 s. A runtime that has not asked for work after the longer of the two is stopped.
    public var initLimitSeconds: Double = 10
    /// Bytes of events waiting for a busy runtime beyond which callers get 429, as from a throttled
    /// function (one event always gets in): without a bound, callers that post 6 MB events faster
    /// than runtimes finish them would fill memory.
    public var maximumQueuedBytes = 256 * 1024 * 1024
    /// Bytes of request bodies still arriving at the invoke endpoint, on all its connections
    /// together (a body holds its declared length from its head on), beyond which a request gets
    /// 429 and its connection is closed once its body is read: each connection holds one body of up
    /// to 6 MB, and nothing else bounds how many connections send at once. A body alone always
    /// gets in.
    public var maximumReceivingBytes = 256 * 1024 * 1024
    /// How long a connection may send nothing while its request is unfinished (half a head, part of
    /// a body) or before its first request, before it is closed: a client that stalls there would
    /// otherwise hold its descriptor and buffered body for good. A connection waiting for its
    /// answer, or idle between requests, is not touched.
    public var stalledRequestSeconds: Double = 60
    /// LAMBDA_TASK_ROOT for the runtime (where the function's files are) and its working directory;
    /// empty means the emulator's own working directory.
    public var taskRoot: String
    /// Where the platform's START, END and REPORT lines go (Lambda writes them to the function's
    /// log); nil writes none (tests and benchmarks that do not read them).
    public var platformLog: PlatformLog?
    /// Lambda's tenant isolation mode (TenancyConfig PER_TENANT): every invocation names its tenant
    /// (X-Amz-Tenant-Id), and a runtime process serves one tenant for its whole life. Off, as for
    /// a function created without it, an invocation that names a tenant is refused.
    public var tenantIsolation = false
    /// How often a failed Event invocation is tried again (Lambda's MaximumRetryAttempts: 0 to 2,
    /// 2 by default), and the wait before the first retry (Lambda's is about a minute; each
    /// later one waits that much longer again: about two minutes before the second).
    public var eventRetries = 2
    /// As a function with reserved concurrency `concurrency`: a synchronous invocation that finds
    /// every runtime spoken for gets 429 at once, as Lambda throttles it, instead of waiting its
    /// turn (Event invocations still wait: Lambda queues those).
    public var throttlesWhenBusy = false
    public var eventRetryDelaySeconds: Double = 60

    /// The region the caller works in (AWS_REGION, else AWS_DEFAULT_REGION), us-east-1 without one:
    /// a runtime signs its S3 requests for the region it is given, so it must be the caller's.
    public static var callersRegion: String {
        let environment = ProcessInfo.processInfo.environment
        return [environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"]].lazy.compactMap { $0 }.first { !$0.isEmpty } ?? "us-east-1"
    }

    public init(command: [String], concurrency: Int = 1, timeoutSeconds: Double = 30, memoryMB: Int = 1024,
                functionName: String = "function", handler: String = "", region: String = EmulatorConfiguration.callersRegion,
                port: Int = 0, host: String = "127.0.0.1", environment: [String: String] = [:],
                shutdownGraceSeconds: Double = 2, taskRoot: String = "") {
        self.command = command
        self.concurrency = concurrency
        self.timeoutSeconds = timeoutSeconds
        self.memoryMB = memoryMB
        self.functionName = functionName
        self.handler = handler
        self.region = region
        self.port = port
        self.host = host
        self.environment = environment
        self.shutdownGraceSeconds = shutdownGraceSeconds
        self.taskRoot = taskRoot
    }

    /// The variables Lambda sets for a runtime, for the runtime whose API listens at `runtimeAPI`.
    /// (Not AWS_EXECUTION_ENV: Lambda defines none for OS-only runtimes, which a custom one is.)
    func lambdaEnvironment(runtimeAPI: String, inherited: [String: String]) -> [String: String] {
        var environment = inherited
        let lambda: [String: String] = [
            "AWS_LAMBDA_RUNTIME_API": runtimeAPI,
            "AWS_LAMBDA_FUNCTION_NAME": functionName,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": String(memoryMB),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/\(functionName)",
            "AWS_LAMBDA_LOG_STREAM_NAME": "$LATEST-emulator",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "LAMBDA_TASK_ROOT": taskRoot.isEmpty ? FileManager.default.currentDirectoryPath : taskRoot,
            "LAMBDA_RUNTIME_DIR": "/var/runtime",
            "_HANDLER": handler,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "TZ": ":UTC",
        ]
        environment.merge(lambda) { _, new in new }
        environment.merge(self.environment) { _, new in new }
        return environment
    }

    /// Throws `invalidConfiguration` for settings Lambda would not accept or no emulator can serve:
    /// checked when the emulator starts, so that a typo is an error, not a wrong run (a port of
    /// 99999 listened on 34463; a timeout of 1e300 seconds overflowed the deadline).
    func check() throws(EmulatorError) {
        func invalid(_ reason: String) -> EmulatorError { EmulatorError(.invalidConfiguration, reason) }
        guard (0...65535).contains(port) else { throw invalid("port \(port) is not 0 (any free one) to 65535") }
        guard (1...1000).contains(concurrency) else { throw invalid("concurrency \(concurrency) is not 1 to 1000 runtime processes") }
        guard Self.isValidTimeout(timeoutSeconds) else {
            throw invalid("timeout \(timeoutSeconds) s is not above 0 and at most 900 s, Lambda's longest")
        }
        guard (128...10240).contains(memoryMB) else { throw invalid("memory \(memoryMB) MB is not 128 to 10240 MB, Lambda's range") }
        guard shutdownGraceSeconds >= 0, shutdownGraceSeconds <= 3600 else {
            throw invalid("shutdown grace \(shutdownGraceSeconds) s is not 0 to 3600 s")
        }
        guard Self.isValidTimeout(initLimitSeconds) else { throw invalid("init limit \(initLimitSeconds) s is not above 0 and at most 900 s") }
        guard maximumQueuedBytes >= 0 else { throw invalid("maximumQueuedBytes \(maximumQueuedBytes) is negative") }
        guard maximumReceivingBytes >= 0 else { throw invalid("maximumReceivingBytes \(maximumReceivingBytes) is negative") }
        guard (0...2).contains(eventRetries) else { throw invalid("event retries \(eventRetries) is not 0 to 2, Lambda's range") }
        guard eventRetryDelaySeconds >= 0, eventRetryDelaySeconds <= 3600 else {
            throw invalid("event retry delay \(eventRetryDelaySeconds) s is not 0 to 3600 s")
        }
        guard stalledRequestSeconds > 0, stalledRequestSeconds <= 86_400 else {
            throw invalid("stalled-request time \(stalledRequestSeconds) s is not above 0 and at most a day")
        }
        // Tenant isolation ends a runtime to give its slot to another tenant, which only a runtime
        // the emulator started can be.
        guard !tenantIsolation || !command.isEmpty else {
            throw invalid("tenant isolation needs a runtime command: the emulator must be able to end a tenant's runtime")
        }
    }

    /// How long a runtime may take to ask for its first invocation.
    var initTimeoutSeconds: Double { max(initLimitSeconds, timeoutSeconds) }

    /// Whether `seconds` is a function timeout Lambda allows: above 0, at most 900 s. (Outside it no
    /// deadline can be made: 1e300 s or nan in milliseconds do not fit an Int64.)
    public static func isValidTimeout(_ seconds: Double) -> Bool {
        seconds > 0 && seconds <= 900
    }

    var functionARN: String { "arn:aws:lambda:\(region):000000000000:function:\(functionName)" }
}
