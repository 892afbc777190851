// A scripted Runtime API for driving the run loop without sockets.
@testable import LambdaRuntime

/// Hands out queued invocations, records every answer, and fails where the test says.
final class MockRuntimeAPIClient: RuntimeAPIClient {
    enum Posted: Equatable {
        case response(requestID: String, body: [UInt8])
        case error(requestID: String, report: ErrorReport)
        case initError(ErrorReport)

        var requestID: String? {
            switch self {
            case .response(let id, _), .error(let id, _): id
            case .initError: nil
            }
        }
    }

    var invocations: [Invocation]
    /// Once the queue is empty, GET next fails like a 500 from the API (ending the loop).
    var nextFailure = LambdaRuntimeError(.apiFailed, "GET next answered 500")
    var responseOutcome: ResponseOutcome = .accepted
    var posted: [Posted] = []
    /// Answers to these request ids fail with the error given (after being recorded).
    var answerFailures: [String: LambdaRuntimeError] = [:]
    /// `_X_AMZN_TRACE_ID` as the handler saw it, per request.
    var traceSeenByHandler: [String: String] = [:]

    init(_ invocations: [Invocation]) { self.invocations = invocations }

    func nextInvocation() throws(LambdaRuntimeError) -> Invocation {
        guard !invocations.isEmpty else { throw nextFailure }
        return invocations.removeFirst()
    }

    func sendResponse(requestID: String, body: [UInt8]) throws(LambdaRuntimeError) -> ResponseOutcome {
        posted.append(.response(requestID: requestID, body: body))
        if let failure = answerFailures[requestID] { throw failure }
        return responseOutcome
    }

    func sendError(requestID: String, report: ErrorReport) throws(LambdaRuntimeError) {
        posted.append(.error(requestID: requestID, report: report))
        if let failure = answerFailures[requestID] { throw failure }
    }

    func sendInitError(_ report: ErrorReport) throws(LambdaRuntimeError) {
        posted.append(.initError(report))
    }

    /// Set: a streamed answer is taken part by part (recorded as one response) and then refused
    /// with this error, as a Runtime API that answers the stream 400 at its end.
    var streamRefusal: LambdaRuntimeError?

    func streamResponse(requestID: String, contentType: String, _ produce: (LambdaResponseStream) throws -> Void) throws(LambdaRuntimeError) -> StreamOutcome {
        guard let streamRefusal else { return try defaultStreamResponse(requestID: requestID, contentType: contentType, produce) }
        var body: [UInt8] = []
        try? produce(LambdaResponseStream { body += $0 })
        posted.append(.response(requestID: requestID, body: body))
        throw streamRefusal
    }
}

/// A streaming handler whose writes and error the test chooses.
struct ClosureStreamingHandler: LambdaStreamingHandler {
    let body: (LambdaResponseStream) throws -> Void
    func handle(_ event: [UInt8], context: LambdaContext, stream: LambdaResponseStream) throws { try body(stream) }
}

/// A handler whose behaviour the test chooses per call.
struct ClosureHandler: LambdaByteHandler {
    let body: ([UInt8], LambdaContext) throws -> [UInt8]
    func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] { try body(event, context) }
}

/// Collects log lines in memory.
final class LineBuffer: @unchecked Sendable {
    private(set) var lines: [String] = []
    var sink: LogSink { LogSink { [self] in lines.append($0) } }
}

func invocation(_ id: String, _ event: String = "{}", traceID: String? = nil, clientContext: String? = nil,
                cognitoIdentity: String? = nil, tenantID: String? = nil) -> Invocation {
    Invocation(requestID: id, deadlineMs: Clock.nowMs() + 60_000, invokedFunctionARN: "arn:aws:lambda:us-east-1:1:function:f",
               traceID: traceID, clientContext: clientContext, cognitoIdentity: cognitoIdentity, tenantID: tenantID,
               event: Array(event.utf8))
}
