// InvokeWithResponseStream: POST /2021-11-15/functions/{name}/response-streaming-invocations.
// The caller gets an event stream: the response as PayloadChunk events, passed on as the runtime
// posts them (a runtime in streaming mode sends them chunked), then InvokeComplete, which carries
// the error, if any, and the log tail. A runtime that answers in one piece gives one chunk.
import Foundation
import NIOCore
import NIOHTTP1

extension LambdaEmulator {
    func invokeWithResponseStream(_ request: HTTPRequest, functionName: Substring, _ responder: HTTPResponder) {
        guard let invocation = checkedInvokeRequest(request, functionName: functionName, invocationTypes: ["RequestResponse", "DryRun"],
                                                    responder) else { return }
        let requestID = invocation.requestID
        let stream = ResponseStream(responder: responder, requestID: requestID)
        let logTail = invocation.wantsLogTail ? InvocationLogTail(on: loop) : nil
        guard let answer = submit(invocation.event, options: invocation.options, requestID: requestID, logTail: logTail,
                                  responseStream: stream, mayThrottle: true) else {
            return Self.respond(Self.hasShutDown, responder)
        }
        answer.whenSuccess { result in
            guard let logTail, logTail.taken, result.invokeStatus == nil else { return stream.complete(result, logResult: nil) }
            logTail.result.whenSuccess { stream.complete(result, logResult: $0) }
        }
        responder.onClose { [weak self] in self?.withdraw(requestID) }
    }

    /// Where the parts of a runtime's streamed response go as they arrive: the caller of the
    /// invocation it answers, when that caller asked for a stream. nil for any other request (its
    /// body is taken whole, as before), and for one the runtime API will refuse.
    func streamedResponseReceiver(_ head: HTTPRequestHead, connectionTag: Int, slot: RuntimeSlot) -> HTTPRequestCollector.BodyReceiver? {
        guard head.method == .POST, head.headers.first(name: "Lambda-Runtime-Function-Response-Mode")?.lowercased() == "streaming",
              staleness(connectionTag: connectionTag, slot: slot) == nil, case .busy(let invocation) = slot.state,
              let stream = invocation.responseStream else { return nil }
        let path = HTTPRequestCollector.path(of: head)
        guard path == "/2018-06-01/runtime/invocation/\(invocation.requestID)/response" else { return nil }
        stream.contentType = head.headers.first(name: "Content-Type") ?? ResponseStream.defaultContentType
        stream.runtimeStreams = true
        return { [weak stream] bytes in stream?.payload(bytes) }
    }
}

/// One InvokeWithResponseStream caller's answer, written as the response arrives. On the loop.
final class ResponseStream: @unchecked Sendable {
    /// What a streaming runtime's response is taken as when it names no type, as in Lambda.
    static let defaultContentType = "application/octet-stream"

    private let responder: HTTPResponder
    private let requestID: String
    private var begun = false
    /// The type the runtime gave its response (the answer's Content-Type, as Lambda sends it).
    var contentType = "application/json"
    /// The runtime posts its response in streaming mode: its parts have been passed on as they came.
    var runtimeStreams = false

    init(responder: HTTPResponder, requestID: String) {
        self.responder = responder
        self.requestID = requestID
    }

    /// Passes on part of the response; the future completes when it is written to the caller.
    @discardableResult
    func payload(_ bytes: [UInt8]) -> EventLoopFuture<Void>? {
        guard !bytes.isEmpty else { return nil }
        begin()
        return responder.stream(EventStreamMessage.event("PayloadChunk", contentType: "application/octet-stream", payload: bytes))
    }

    /// Ends the answer with the invocation's `result`: an error of the Invoke API itself (429, a
    /// refusal) is its own answer when nothing was sent yet; a response in one piece is one chunk;
    /// InvokeComplete names the function's error and carries `logResult` (base64).
    func complete(_ result: InvocationResult, logResult: [UInt8]?) {
        if !begun, result.invokeStatus != nil { return LambdaEmulator.respond(result, responder, requestID: requestID) }
        if !runtimeStreams, result.functionError == nil { payload(result.body) }
        begin()
        var fields: [String] = []
        if let type = result.errorType {
            fields.append("\"ErrorCode\":\(quoted(type))")
            fields.append("\"ErrorDetails\":\(quoted(Self.errorDetails(result)))")
        }
        if let logResult, !logResult.isEmpty { fields.append("\"LogResult\":\(quoted(Data(logResult).base64EncodedString()))") }
        let body = Array(("{" + fields.joined(separator: ",") + "}").utf8)
        responder.stream(EventStreamMessage.event("InvokeComplete", contentType: "application/json", payload: body))
        responder.endStream()
    }

    private func begin() {
        guard !begun else { return }
        begun = true
        responder.beginStream(.ok, headers: [("Content-Type", contentType), ("X-Amz-Executed-Version", "$LATEST"),
                                             ("x-amzn-RequestId", requestID)])
    }

    /// The error's message when its body is Lambda's error JSON, else the body itself.
    static func errorDetails(_ result: InvocationResult) -> String {
        let object = try? JSONSerialization.jsonObject(with: Data(result.body)) as? [String: Any]
        return object?["errorMessage"] as? String ?? result.bodyText
    }
}
