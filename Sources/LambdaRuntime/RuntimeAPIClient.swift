// The run loop's view of the Runtime API: fetch the next invocation, answer it.

/// How a posted response was received.
public enum ResponseOutcome: Equatable, Sendable {
    /// 202: Lambda has the response.
    case accepted
    /// 413: Lambda refused it as too large and has ended the invocation with
    /// Function.ResponseSizeTooLarge itself; nothing more is posted for it.
    case tooLarge
}

/// How a streamed response went.
public enum StreamOutcome: Sendable {
    /// The handler failed, or its response cannot be sent, before anything was sent: the error is
    /// posted as a buffered handler's is.
    case failedBeforeSending(ErrorReport)
    /// The stream was sent and accepted; `failure` is the error that ended it after some of it was
    /// written (sent in its trailers), if one did.
    case sent(failure: ErrorReport?)
}

/// The Runtime API, as the run loop uses it. The curl client talks HTTP; tests use a mock.
public protocol RuntimeAPIClient {
    /// Blocks until Lambda has an invocation: with no timeout, since the sandbox may be frozen here.
    func nextInvocation() throws(LambdaRuntimeError) -> Invocation
    func sendResponse(requestID: String, body: [UInt8]) throws(LambdaRuntimeError) -> ResponseOutcome
    /// Runs `produce`, sending what it writes as a streamed response (chunked, in streaming mode).
    func streamResponse(requestID: String, contentType: String, _ produce: (LambdaResponseStream) throws -> Void) throws(LambdaRuntimeError) -> StreamOutcome
    func sendError(requestID: String, report: ErrorReport) throws(LambdaRuntimeError)
    func sendInitError(_ report: ErrorReport) throws(LambdaRuntimeError)
}

extension RuntimeAPIClient {
    /// A client that cannot stream collects the writes and posts them as one response, within a
    /// buffered response's limit: nothing is sent until the handler is done.
    public func streamResponse(requestID: String, contentType: String, _ produce: (LambdaResponseStream) throws -> Void) throws(LambdaRuntimeError) -> StreamOutcome {
        try defaultStreamResponse(requestID: requestID, contentType: contentType, produce)
    }

    /// The collecting `streamResponse`, for a client that implements its own to fall back on.
    public func defaultStreamResponse(requestID: String, contentType: String, _ produce: (LambdaResponseStream) throws -> Void) throws(LambdaRuntimeError) -> StreamOutcome {
        var body: [UInt8] = []
        do {
            try produce(LambdaResponseStream { body += $0 })
        } catch {
            return .failedBeforeSending(.function(error))
        }
        guard body.count <= Lambda.maxResponseBytes else { return .failedBeforeSending(.responseTooLarge(body.count)) }
        // A 413 (.tooLarge) has ended the invocation on the API's side: there is nothing more to send.
        _ = try sendResponse(requestID: requestID, body: body)
        return .sent(failure: nil)
    }
}

/// The JSON body and headers of an error post, shared by every client.
extension ErrorReport {
    /// `{"errorMessage","errorType","stackTrace"}`, the body the Runtime API expects.
    public var jsonBody: String {
        "{\"errorMessage\":\(JSONText.quoted(errorMessage)),\"errorType\":\(JSONText.quoted(errorType)),"
            + "\"stackTrace\":[\(stackTrace.map(JSONText.quoted).joined(separator: ","))]}"
    }

    /// The message in the X-Ray cause header is cut to this many UTF-8 bytes: servers refuse
    /// large headers (SwiftNIO's parser at 80 KB in all), and refusing the post would lose the error.
    static let maximumCauseMessageBytes = 8 * 1024

    /// The Lambda-Runtime-Function-XRay-Error-Cause header value: X-Ray's error-cause document.
    public func xrayCause(workingDirectory: String) -> String {
        // The message may have been cut already, so its length is the body's to tell.
        let message = Self.truncated(errorMessage, toUTF8Bytes: Self.maximumCauseMessageBytes, note: "…")
        return "{\"working_directory\":\(JSONText.quoted(workingDirectory)),\"exceptions\":[{\"type\":\(JSONText.quoted(errorType)),"
            + "\"message\":\(JSONText.quoted(message)),\"stack\":[]}],\"paths\":[]}"
    }
}
