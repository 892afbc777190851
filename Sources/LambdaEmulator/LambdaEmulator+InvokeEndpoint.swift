// The invoke endpoints: the RIE-compatible POST /2015-03-31/functions/function/invocations, and
// the checks it shares with InvokeWithResponseStream (LambdaEmulator+ResponseStreaming).
import Foundation
import NIOCore
import NIOHTTP1

extension LambdaEmulator {
    func routeInvoke(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let parts = request.path.split(separator: "/")
        guard request.method == .POST, parts.count == 4, parts[1] == "functions" else { return notFound(request, responder) }
        switch (parts[0], parts[3]) {
        case ("2015-03-31", "invocations"): invoke(request, functionName: parts[2], responder)
        case ("2021-11-15", "response-streaming-invocations"): invokeWithResponseStream(request, functionName: parts[2], responder)
        default: notFound(request, responder)
        }
    }

    /// What an invoke request asks for, once the checks both invoke APIs make have passed.
    struct InvokeRequest {
        let event: [UInt8]
        let invocationType: String
        let wantsLogTail: Bool
        let options: InvocationOptions
        let requestID = UUID().uuidString.lowercased()
    }

    /// Checks an invoke request as Lambda does, taking invocation types `invocationTypes`; answers a
    /// refused one (and a DryRun, which asks for the checks alone) and gives nil for it.
    func checkedInvokeRequest(_ request: HTTPRequest, functionName: Substring, invocationTypes: [String],
                              _ responder: HTTPResponder) -> InvokeRequest? {
        // The RIE's name, the function's own, or its ARN (full or partial), with or without a
        // qualifier ($LATEST, an alias: one version is served, and the runtime is told which was
        // asked for); another is another function, not this one.
        let named = String(functionName).removingPercentEncoding ?? String(functionName)
        let target: InvokeTarget
        do { target = try InvokeTarget.parse(functionName: named, query: request.query) } catch {
            switch error {
            case .notAFunctionName: Self.respond(.functionNotFound(named, serving: configuration.functionName), responder)
            case .badQualifier(let why): Self.respond(.invalidParameter(why), responder)
            }
            return nil
        }
        guard target.name == "function" || target.name == configuration.functionName else {
            Self.respond(.functionNotFound(named, serving: configuration.functionName), responder)
            return nil
        }
        guard !request.bodyTooLarge else {
            Self.respond(.requestTooLarge, responder)
            return nil
        }
        let invocationType = request.headers.first(name: "X-Amz-Invocation-Type") ?? "RequestResponse"
        guard invocationTypes.contains(invocationType) else {
            Self.respond(.invalidParameter("X-Amz-Invocation-Type '\(invocationType)' is not one of \(invocationTypes.joined(separator: ", "))"), responder)
            return nil
        }
        let logType = request.headers.first(name: "X-Amz-Log-Type") ?? "None"
        guard ["None", "Tail"].contains(logType) else {
            Self.respond(.invalidParameter("X-Amz-Log-Type '\(logType)' is not one of None, Tail"), responder)
            return nil
        }
        // Lambda queues an asynchronous event of at most 1 MB.
        if invocationType == "Event", request.body.count > Self.eventLimit {
            Self.respond(.eventTooLarge, responder)
            return nil
        }
        // The Invoke API takes JSON only, and gives the function {} for an empty payload.
        let event = request.body.isEmpty ? Array("{}".utf8) : request.body
        if (try? JSONSerialization.jsonObject(with: Data(event), options: .fragmentsAllowed)) == nil {
            Self.respond(.invalidRequestContent("Could not parse request body into json: the payload is not JSON"), responder)
            return nil
        }
        // Checked, and not run: what DryRun asks.
        if invocationType == "DryRun" {
            responder.respond(.noContent, headers: [("x-amzn-RequestId", UUID().uuidString.lowercased())])
            return nil
        }
        // The client context goes to synchronous invocations only, as in Lambda; it is checked all the same.
        var clientContext: String?
        if let header = request.headers.first(name: "X-Amz-Client-Context") {
            guard let decoded = Self.clientContext(header) else {
                Self.respond(.invalidRequestContent("Client context must be a valid Base64-encoded JSON object."), responder)
                return nil
            }
            if invocationType == "RequestResponse" { clientContext = decoded }
        }
        // The tenant as the Invoke API takes it for functions in tenant isolation mode.
        let options = InvocationOptions(clientContext: clientContext,
                                        tenantID: request.headers.first(name: "X-Amz-Tenant-Id"),
                                        traceID: request.headers.first(name: "X-Amzn-Trace-Id"),
                                        qualifier: target.qualifier)
        return InvokeRequest(event: event, invocationType: invocationType, wantsLogTail: logType == "Tail", options: options)
    }

    /// Invoke: POST /2015-03-31/functions/{name}/invocations, the RIE's endpoint.
    private func invoke(_ request: HTTPRequest, functionName: Substring, _ responder: HTTPResponder) {
        guard let invocation = checkedInvokeRequest(request, functionName: functionName, invocationTypes: ["RequestResponse", "Event", "DryRun"],
                                                    responder) else { return }
        let (event, options, requestID) = (invocation.event, invocation.options, invocation.requestID)
        if invocation.invocationType == "Event" {
            // Answered 202 as soon as it is queued; a failure is tried again as Lambda does
            // (`eventEnded`). A refusal (429, 400) is the answer instead.
            let answer = submit(event, options: options, requestID: requestID) {
                responder.respond(.accepted, headers: [("x-amzn-RequestId", requestID)])
            }
            guard let answer else { return Self.respond(Self.hasShutDown, responder) }
            answer.whenSuccess { [weak self] result in
                if result.invokeStatus != nil { return Self.respond(result, responder, requestID: requestID) }
                self?.eventEnded(result, event: event, options: options, requestID: requestID, attempt: 1)
            }
            return
        }
        // A synchronous caller may ask for the end of its invocation's log, which is complete once
        // REPORT is written: at the runtime's next GET next, just after its answer (or at the
        // deadline, for a runtime the emulator did not start that does not ask again).
        let logTail = invocation.wantsLogTail ? InvocationLogTail(on: loop) : nil
        guard let answer = submit(event, options: options, requestID: requestID, logTail: logTail, mayThrottle: true) else {
            return Self.respond(Self.hasShutDown, responder)
        }
        answer.whenSuccess { result in
            guard let logTail, logTail.taken, result.invokeStatus == nil else { return Self.respond(result, responder, requestID: requestID) }
            logTail.result.whenSuccess { Self.respond(result, responder, requestID: requestID, logResult: $0) }
        }
        // A caller that goes away while its invocation still waits for a runtime will not read the
        // answer: the invocation is withdrawn, instead of running later ahead of callers who wait.
        responder.onClose { [weak self] in self?.withdraw(requestID) }
    }

    /// Takes invocation `requestID` out of the queue if it still waits there (a runtime that has it
    /// runs it on, as Lambda does). On the loop.
    func withdraw(_ requestID: String) {
        guard let position = queue.enumerated().first(where: { $0.element.requestID == requestID })?.offset else { return }
        log("invocation \(requestID) withdrawn: its caller closed the connection before a runtime took it")
        queue.remove(at: position).complete(.withdrawn)
    }

    /// An invocation's result as the Invoke API gives it: 200 with the function's answer (and
    /// X-Amz-Function-Error when it failed), or the API's own status (429) and error type.
    /// `requestID`: the invocation's, sent as x-amzn-RequestId (how a caller finds its START and
    /// REPORT lines), when it got one.
    /// `logResult`: the end of the invocation's log, sent base64 as X-Amz-Log-Result, for a caller
    /// that asked for it.
    static func respond(_ result: InvocationResult, _ responder: HTTPResponder, requestID: String? = nil, logResult: [UInt8]? = nil) {
        let identity = requestID.map { [("x-amzn-RequestId", $0)] } ?? []
        if let status = result.invokeStatus {
            return responder.respond(HTTPResponseStatus(statusCode: status),
                                     headers: [("Content-Type", "application/json"), ("X-Amzn-ErrorType", result.errorType ?? "")] + identity,
                                     body: result.body)
        }
        var headers = [("Content-Type", "application/json"), ("X-Amz-Executed-Version", "$LATEST")] + identity
        if let functionError = result.functionError { headers.append(("X-Amz-Function-Error", functionError)) }
        // None for an invocation that never started (it wrote no log).
        if let logResult, !logResult.isEmpty { headers.append(("X-Amz-Log-Result", Data(logResult).base64EncodedString())) }
        responder.respond(.ok, headers: headers, body: result.body)
    }

    /// Why the Invoke API refuses `options`, or nil when it takes them. They reach the runtime as
    /// header values, which cannot hold control characters other than tab: NIO would refuse to write
    /// the GET next answer carrying one, and the runtime would never get its event.
    static func optionsRefusal(_ options: InvocationOptions) -> InvocationResult? {
        let fields = [("client context", options.clientContext), ("Cognito identity", options.cognitoIdentity),
                      ("trace id", options.traceID), ("tenant id", options.tenantID)]
        for case let (name, value?) in fields where value.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
            return .invalidRequestContent("the \(name) holds a control character, which cannot be passed on to the runtime in a header")
        }
        return nil
    }

    /// The largest Event payload Lambda queues.
    static let eventLimit = 1_048_576

    /// The longest client context header Lambda takes (base64).
    static let clientContextLimit = 3583

    /// The Invoke API carries the client context base64-encoded (as the SDKs send it); Lambda gives
    /// runtimes the JSON itself. nil for a header Lambda refuses: longer than it takes, not base64,
    /// or not a JSON object (the JSON sent plain, which works nowhere else).
    static func clientContext(_ header: String) -> String? {
        guard header.utf8.count <= clientContextLimit, let data = Data(base64Encoded: header),
              let text = String(data: data, encoding: .utf8), !text.utf8.contains(0),
              (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else { return nil }
        // A header value cannot hold line breaks; outside strings (the only place valid JSON has
        // them raw) they are whitespace, so pretty-printed JSON is sent on one line.
        return String(decoding: text.utf8.map { $0 == 0x0A || $0 == 0x0D ? 0x20 : $0 }, as: UTF8.self)
    }
}
