// The runtime's own example function: answers with the event and what the context says about it.

/// Returns `{"event": <the event>, "functionArn", "remainingTimeMs", "requestId", "traceId", "clientContext",
/// "tenantId"}` (the last three when the invocation has them).
/// The event must be JSON; anything else is the caller's error (`Function.InvalidEvent`). Written
/// against the bytes-level handler API with the runtime's own JSON reader and writer.
public struct EchoHandler: LambdaByteHandler {
    public init() {}

    public func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] {
        let value: JSONValue
        do { value = try JSONValue(parsing: event) } catch {
            throw FunctionError("InvalidEvent", "the event is not valid JSON: \(error)")
        }
        var answer: [String: JSONValue] = [
            "event": value,
            "requestId": .string(context.requestID),
            "functionArn": .string(context.invokedFunctionARN),
            "remainingTimeMs": .number(Double(context.remainingTimeMs)),
        ]
        if let traceID = context.traceID { answer["traceId"] = .string(traceID) }
        if let clientContext = context.clientContext { answer["clientContext"] = .object(clientContext) }
        if let tenantID = context.tenantID { answer["tenantId"] = .string(tenantID) }
        return JSONValue.object(answer).jsonBytes
    }
}

extension HandlerCatalog {
    /// The handlers every binary has: `echo`, the runtime's example.
    public static var builtIn: HandlerCatalog {
        var catalog = HandlerCatalog()
        catalog.register("echo") { _ in EchoHandler() }
        return catalog
    }
}
