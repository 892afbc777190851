// A function binary for the runtime's integration tests: `_HANDLER` picks a behaviour to exercise.
import LambdaRuntime
#if canImport(Glibc)
import Glibc
#endif

/// Handlers that misbehave on purpose. The event is a small JSON object whose fields tune them.
struct FaultHandler: LambdaByteHandler {
    let behaviour: String

    func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] {
        let text = String(decoding: event, as: UTF8.self)
        switch behaviour {
        case "throw":
            throw FunctionError("InvalidEvent", "the test handler was asked to fail")
        case "throw-untyped":
            throw TestFailure()
        case "sleep":
            // {"ms": N}: outlives a short deadline so the emulator's timeout fires.
            usleep(UInt32(number(in: text, key: "ms") ?? 1000) * 1000)
            return Array("{\"slept\":true}".utf8)
        case "large":
            // {"bytes": N}: a response of N bytes (7 MB by default), over Lambda's 6 MB limit.
            let size = number(in: text, key: "bytes") ?? 7 * 1024 * 1024
            return Array("\"".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: max(0, size - 2)) + Array("\"".utf8)
        case "exit":
            exit(3)
        case "trace":
            let trace = getenv("_X_AMZN_TRACE_ID").map { String(cString: $0) } ?? ""
            return Array("{\"traceEnv\":\"\(trace)\"}".utf8)
        case "pid":
            // {"ms": N}: stays busy N ms, then says which process served the call and every tenant
            // this process has served (tenant isolation: only one).
            usleep(UInt32(number(in: text, key: "ms") ?? 0) * 1000)
            if let tenant = context.tenantID, !tenantsServed.contains(tenant) { tenantsServed.append(tenant) }
            let tenants = tenantsServed.map { "\"\($0)\"" }.joined(separator: ",")
            return Array("{\"pid\":\(getpid()),\"tenantsServed\":[\(tenants)]}".utf8)
        case "allocate":
            // {"mb": N}: touches N MB for the duration of the call, then frees it: a peak a
            // memory report must show.
            let bytes = (number(in: text, key: "mb") ?? 64) << 20
            let block = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes, alignment: 4096)
            defer { block.deallocate() }
            for page in stride(from: 0, to: bytes, by: 4096) { block[page] = UInt8(truncatingIfNeeded: page >> 12) }
            // Read back, so that the writes are not dropped as dead stores.
            let checksum = stride(from: 0, to: bytes, by: 4096).reduce(0) { $0 &+ Int(block[$1]) }
            return Array("{\"allocated\":\(bytes),\"checksum\":\(checksum)}".utf8)
        case "log":
            // {"lines": N}: N info lines (one by default), numbered after the first.
            context.logger.info("info line from the test handler")
            for line in 1..<max(1, number(in: text, key: "lines") ?? 1) { context.logger.info("info line \(line) from the test handler") }
            context.logger.debug("debug line from the test handler")
            return event
        default:
            return event
        }
    }

    private func number(in text: String, key: String) -> Int? {
        let parts = text.split(separator: "\"\(key)\"", maxSplits: 1)
        guard parts.count == 2 || (parts.count == 1 && text.hasPrefix("\"\(key)\"")) else { return nil }
        let digits = parts[parts.count - 1].drop { !$0.isNumber }.prefix { $0.isNumber }
        return Int(digits)
    }
}

struct TestFailure: Error {}

/// Streams "first ", then (once the file {"signal": path} exists, when given) "second", then
/// {"megabytes": n} of "x"; {"fail": "before"} throws before writing, {"fail": "after"} after.
struct StreamingTestHandler: LambdaStreamingHandler {
    var contentType: String { "text/plain" }

    func handle(_ event: [UInt8], context: LambdaContext, stream: LambdaResponseStream) throws {
        guard case .object(let fields)? = try? JSONValue(parsing: event) else { throw FunctionError("InvalidEvent", "the event is not a JSON object") }
        func number(_ key: String) -> Int { if case .number(let value)? = fields[key] { return Int(value) } else { return 0 } }
        if fields["fail"]?.stringValue == "before" { throw FunctionError("Broken", "failed before writing") }
        try stream.write("first ")
        if let signal = fields["signal"]?.stringValue {
            while access(signal, F_OK) != 0 { usleep(10_000) }
        }
        try stream.write("second")
        let block = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        for _ in 0..<number("megabytes") { try stream.write(block) }
        if fields["fail"]?.stringValue == "after" { throw FunctionError("Broken", "broke midway") }
    }
}

/// The tenants the "pid" handler has served in this process (one invocation at a time).
nonisolated(unsafe) var tenantsServed: [String] = []

/// With TEST_SIGTERM_MARKER set, SIGTERM creates that file before exiting: proof that a graceful
/// stop reached the runtime rather than a SIGKILL.
let sigtermMarker: UnsafeMutablePointer<CChar>? = getenv("TEST_SIGTERM_MARKER").flatMap { strdup($0) }
if sigtermMarker != nil {
    signal(SIGTERM) { _ in
        if let path = sigtermMarker { close(open(path, O_CREAT | O_WRONLY, 0o644)) }
        _exit(0)
    }
}

var catalog = HandlerCatalog.builtIn
for behaviour in ["throw", "throw-untyped", "sleep", "large", "exit", "trace", "log", "pid", "allocate"] {
    catalog.register(behaviour) { _ in FaultHandler(behaviour: behaviour) }
}
catalog.register("stream") { _ in StreamingTestHandler() }
catalog.register("init-fail") { _ in throw FunctionError("ModelLoadFailed", "the test function refuses to initialise") }
exit(Lambda.run(catalog: catalog))
