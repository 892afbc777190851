// The runtime's own example function: answers with the event and what the context says about it.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Returns `{"event": <the event>, "requestId", "functionArn", "remainingTimeMs", "traceId"}`.
/// The event must be JSON; anything else is the caller's error (`Function.InvalidEvent`).
public struct EchoHandler: LambdaCodableHandler {
    public struct Output: Encodable {
        let event: JSONValue
        let requestId: String
        let functionArn: String
        let remainingTimeMs: Int64
        let traceId: String?
    }

    public init() {}

    public func handle(_ event: JSONValue, context: LambdaContext) throws -> Output {
        context.logger.debug("echoing an event")
        return Output(event: event, requestId: context.requestID, functionArn: context.invokedFunctionARN,
                      remainingTimeMs: context.remainingTimeMs, traceId: context.traceID)
    }
}

extension HandlerCatalog {
    /// The handlers every binary has: `echo`, the runtime's example.
    public static var builtIn: HandlerCatalog {
        var catalog = HandlerCatalog()
        catalog.register("echo") { _ in CodableHandlerAdapter(EchoHandler()) }
        return catalog
    }
}
