// One invocation in this process, no Runtime API: what `video-lambda invoke` runs.

/// Runs a handler the way the run loop would — init, one event, the same error mapping and size
/// limit — with a local context, so a laptop run answers exactly as Lambda would.
public enum LocalInvoker {
    public static func invoke(catalog: HandlerCatalog, handlerName: String, event: [UInt8],
                              environment: [String: String], timeoutSeconds: Double = 900,
                              logger: LambdaLogger? = nil) -> Result<[UInt8], ErrorReport> {
        let logger = logger ?? .fromEnvironment(environment)
        let handler: LambdaByteHandler
        do {
            handler = try catalog.makeHandler(LambdaInitContext(handlerName: handlerName, environment: environment, logger: logger))
        } catch {
            return .failure(.initFailure(error))
        }
        let invocation = Invocation(requestID: "local-" + String(UInt64.random(in: 0...UInt64.max), radix: 16),
                                    deadlineMs: Clock.nowMs() + Int64(timeoutSeconds * 1000),
                                    invokedFunctionARN: "arn:aws:lambda:local:000000000000:function:\(handlerName)",
                                    event: event)
        do {
            let body = try handler.handle(event, context: LambdaContext(invocation: invocation, logger: logger))
            // A streamed response has its own limit, which its stream enforces.
            guard body.count <= Lambda.maxResponseBytes || handler is LambdaStreamingHandler else { return .failure(.responseTooLarge(body.count)) }
            return .success(body)
        } catch {
            return .failure(.function(error))
        }
    }
}
