// The Runtime API 2018-06-01 as a runtime process sees it, with the checks Lambda applies.
import Foundation
import NIOCore
import NIOHTTP1
#if canImport(Glibc)
import Glibc
#endif

extension LambdaEmulator {
    private static let prefix = "/2018-06-01/runtime"

    func routeRuntimeAPI(_ request: HTTPRequest, _ responder: HTTPResponder, slot: RuntimeSlot) {
        guard request.path.hasPrefix(Self.prefix) else { return notFound(request, responder) }
        if let why = staleness(connectionTag: request.connectionTag, slot: slot) {
            // Not a violation: the runtime could not know. Its connection is closed unanswered, so
            // that a process the emulator has let go of takes no part in the slot's work.
            log("a request from a runtime process that is no longer the slot's was dropped (\(why)): \(request.method) \(request.path)")
            return responder.closeUnanswered()
        }
        let parts = request.path.dropFirst(Self.prefix.count).split(separator: "/").map(String.init)
        switch (request.method, parts.count, parts.first, parts.last) {
        case (.GET, 2, "invocation", "next"):
            nextInvocation(responder, slot: slot)
        case (.POST, 3, "invocation", "response"):
            answer(requestID: parts[1], request, responder, slot: slot, isError: false)
        case (.POST, 3, "invocation", "error"):
            answer(requestID: parts[1], request, responder, slot: slot, isError: true)
        case (.POST, 2, "init", "error"):
            initError(request, responder, slot: slot)
        default:
            notFound(request, responder)
        }
    }

    /// Why a request comes from a process the slot no longer has, or nil: its connection was opened
    /// by a process since replaced (one killed at a timeout whose request was already on its way,
    /// or a child it left behind, on that connection or a new one to the address it was given), or
    /// the slot's process was stopped and no other has started. A runtime the emulator did not
    /// start is never replaced, and one shutting down is let be. (A process gets an address of its
    /// own, see `RuntimeListener`; where it could not, connections are told apart by when they were
    /// accepted.)
    func staleness(connectionTag: Int, slot: RuntimeSlot) -> String? {
        guard !configuration.command.isEmpty, !isShutDown else { return nil }
        if connectionTag != slot.generation { return "its connection was opened by the process before the current one" }
        if slot.isStopped { return "the slot's process was stopped" }
        return nil
    }

    private func nextInvocation(_ responder: HTTPResponder, slot: RuntimeSlot) {
        if let index = pendingFaults.firstIndex(where: { $0 == .nextReturns500 || $0 == .dropNextConnection }) {
            let fault = pendingFaults.remove(at: index)
            if fault == .dropNextConnection { return responder.drop() }
            return responder.respondJSON(.internalServerError,
                                         #"{"errorMessage":"injected failure","errorType":"ServiceException"}"#)
        }
        // Lambda ends a sandbox whose init failed: a runtime asking for work after posting its init
        // error gets none (when the process ends, an invocation waiting for it has the init tried
        // again, or gets the error if this was that try).
        if slot.initError != nil {
            violation("GET next after the init error was posted")
            return responder.respondJSON(.forbidden, #"{"errorMessage":"init failed: the runtime must exit","errorType":"InvalidStateTransition"}"#)
        }
        if case .busy(let invocation) = slot.state, invocation.undelivered {
            // Asking again after the connection broke as the event was written: the same event.
            return deliver(invocation, over: responder, slot: slot)
        }
        if case .busy(let invocation) = slot.state {
            violation("runtime asked for the next invocation without answering \(invocation.requestID)")
            slot.recordEnd(invocation.requestID, "ended without an answer (the runtime asked for the next one)")
            invocation.complete(.lambdaError(type: "Runtime.NoResponse",
                                             message: "RequestId: \(invocation.requestID) Error: the runtime asked for the next invocation without answering this one"))
        }
        // Asking for work ends the invoke phase of the one before (answered or not); the first
        // GET next of an init retried in an invocation's invoke phase is that phase going on.
        if slot.invokePhaseInit == nil { closePlatformReport(in: slot) }
        // One GET next at a time: an earlier one still waiting on a live connection is answered so
        // that it does not hang, and the newer one takes its place. (One whose connection went away
        // is a runtime asking again, which is normal.)
        if case .idle(let waiting) = slot.state, waiting !== responder, waiting.isConnected {
            violation("a second GET next arrived while one was waiting; the first gets 400")
            waiting.respondJSON(.badRequest, #"{"errorMessage":"another GET next replaced this one","errorType":"InvalidStateTransition"}"#)
        }
        if let startedAt = slot.startedAt {
            let initMs = startedAt.millisecondsUntilNow
            coldStarts.append(initMs)
            // An init in an invocation's invoke phase is part of its Duration, not an Init Duration.
            if slot.invokePhaseInit == nil { slot.unreportedInitMs = initMs }
            slot.startedAt = nil
        }
        slot.initTimeout?.cancel()
        slot.initTimeout = nil
        slot.answeredTimeout?.cancel()
        slot.answeredTimeout = nil
        if let waiting = slot.invokePhaseInit {
            // Its init done, the process gets the invocation it was started for (START is
            // written and the deadline runs since the retry began).
            slot.invokePhaseInit = nil
            slot.state = .busy(waiting)
            slot.lastHandedWork = .now()
            return deliver(waiting, over: responder, slot: slot)
        }
        slot.state = .idle(responder)
        dispatch()
    }

    private func answer(requestID: String, _ request: HTTPRequest, _ responder: HTTPResponder, slot: RuntimeSlot, isError: Bool) {
        guard case .busy(let invocation) = slot.state, invocation.requestID == requestID else {
            let why = slot.ending(of: requestID).map { "invocation \(requestID) \($0)" } ?? "unknown request id \(requestID)"
            violation("\(isError ? "error" : "response") post refused: \(why)")
            return responder.respondJSON(.badRequest, "{\"errorMessage\":\(quoted(why)),\"errorType\":\"InvalidRequestID\"}")
        }
        if isError {
            guard !request.bodyTooLarge else {
                // Unlike an oversized response, this leaves the invocation open: a shorter error may follow.
                return Self.refuseOversizedBody(responder)
            }
            let errorType = errorType(of: request)
            let body = request.body.isEmpty
                ? Array("{\"errorMessage\":\"\",\"errorType\":\(quoted(errorType))}".utf8) : request.body
            finish(invocation, slot: slot, with: .failure(body, errorType: errorType))
        } else {
            if request.bodyTooLarge || takeFault(.rejectNextResponseWith413) {
                // As Lambda does: the caller gets Function.ResponseSizeTooLarge, the invocation is
                // over (an error posted for it next is refused), and the runtime hears 413.
                finish(invocation, slot: slot, with: .responseSizeTooLarge(request.bodyBytes),
                       how: "ended as \(InvocationResult.responseSizeTooLargeType) when its response got 413")
                return Self.refuseOversizedBody(responder)
            }
            finish(invocation, slot: slot, with: Self.streamError(in: request) ?? .success(request.body))
        }
        responder.respondJSON(.accepted, #"{"status":"OK"}"#)
    }

    /// A streamed response (`Lambda-Runtime-Function-Response-Mode: streaming`, chunked) that
    /// failed midway names its error in the trailers: its type, and its body base64. The caller of
    /// this buffered endpoint gets the error, not the part that was streamed before it.
    static func streamError(in request: HTTPRequest) -> InvocationResult? {
        guard let trailers = request.trailers, let type = trailers.first(name: "Lambda-Runtime-Function-Error-Type"), !type.isEmpty else { return nil }
        let posted = trailers.first(name: "Lambda-Runtime-Function-Error-Body").flatMap { Data(base64Encoded: $0) }
        let body = posted.map { [UInt8]($0) }
            ?? Array("{\"errorMessage\":\"the response stream ended with an error\",\"errorType\":\(quoted(type))}".utf8)
        return .failure(body, errorType: type)
    }

    private func finish(_ invocation: PendingInvocation, slot: RuntimeSlot, with result: InvocationResult, how: String = RuntimeSlot.answered) {
        invocation.answeredByRuntime = true
        invocation.complete(result)
        slot.recordEnd(invocation.requestID, how)
        slot.state = .ready
        guard let deadline = invocation.deadline?.loopTime else { return }
        // A runtime that has not asked for work by the deadline: one the emulator started is
        // replaced; one it did not start cannot be, and is left to ask when it will, its invoke
        // phase (and the log a Tail caller waits for) ending at the deadline.
        let (generation, requestID, external) = (slot.generation, invocation.requestID, configuration.command.isEmpty)
        slot.answeredTimeout?.cancel()
        slot.answeredTimeout = loop.scheduleTask(deadline: deadline) { [weak self] in
            if external { self?.invokePhaseOutlasted(requestID, slot: slot) } else { self?.answeredWithoutAskingAgain(slot: slot, generation: generation) }
        }
    }

    /// An error post's type: the header (Lambda takes any string there, and recommends
    /// "Category.Reason": AWS's own custom-runtime tutorial sends "Unhandled"), else the body's
    /// errorType (the header is optional: awslambdaric sends none), else Runtime.Unknown.
    private func errorType(of request: HTTPRequest) -> String {
        if let header = request.headers.first(name: "Lambda-Runtime-Function-Error-Type"), !header.isEmpty { return header }
        return Self.bodyErrorType(request.body) ?? "Runtime.Unknown"
    }

    private func initError(_ request: HTTPRequest, _ responder: HTTPResponder, slot: RuntimeSlot) {
        guard case .initializing = slot.state, slot.initError == nil else {
            let why = slot.initError == nil ? "init error posted after init finished" : "a second init error was posted"
            violation(why)
            return responder.respondJSON(.forbidden, "{\"errorMessage\":\(quoted(why)),\"errorType\":\"InvalidStateTransition\"}")
        }
        guard !request.bodyTooLarge else {
            return Self.refuseOversizedBody(responder)
        }
        let errorType = errorType(of: request)
        slot.initError = .failure(request.body.isEmpty ? Array("{\"errorType\":\(quoted(errorType))}".utf8) : request.body,
                                  errorType: errorType)
        slot.initErrorAfterMs = slot.startedAt?.millisecondsUntilNow
        responder.respondJSON(.accepted, #"{"status":"OK"}"#)
        guard !configuration.command.isEmpty else {
            // A runtime the emulator did not start cannot be ended, and no exit will report the error:
            // the caller waiting gets it now, and the next GET next is that runtime starting over.
            if let initError = slot.initError, !queue.isEmpty { queue.removeFirst().complete(initError) }
            slot.initError = nil
            return
        }
        // Lambda ends a sandbox whose init failed; a runtime that lingers is stopped after the grace period.
        let generation = slot.generation
        loop.scheduleTask(in: .milliseconds(Int64(configuration.shutdownGraceSeconds * 1000))) {
            if slot.generation == generation { slot.process?.signal(SIGKILL) }
        }
    }

    /// 413 for a posted body over Lambda's payload limit.
    static func refuseOversizedBody(_ responder: HTTPResponder) {
        responder.respondJSON(HTTPResponseStatus(statusCode: 413),
            "{\"errorMessage\":\"Exceeded maximum allowed payload size (\(responseLimit) bytes).\",\"errorType\":\"RequestEntityTooLarge\"}")
    }

    /// The errorType field of an error body, when the body is the JSON object the contract asks for.
    static func bodyErrorType(_ body: [UInt8]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return nil }
        return object["errorType"] as? String
    }

    func takeFault(_ fault: Fault) -> Bool {
        guard let index = pendingFaults.firstIndex(of: fault) else { return false }
        pendingFaults.remove(at: index)
        return true
    }

    private func violation(_ message: String) {
        violations.append(message)
        log("protocol violation: \(message)")
    }

    func notFound(_ request: HTTPRequest, _ responder: HTTPResponder) {
        responder.respondJSON(.notFound, "{\"errorMessage\":\(quoted("no route for \(request.method) \(request.path)")),\"errorType\":\"NotFound\"}")
    }
}

extension LambdaEmulator.Fault: Equatable {}
