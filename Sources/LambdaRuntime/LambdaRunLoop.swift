// The runtime loop: init once, then next → handler → response or error, until the API says stop.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Runs one function process against the Runtime API, as Lambda's custom-runtime contract asks.
public struct LambdaRunLoop<Client: RuntimeAPIClient> {
    /// Where the loop is; each case says what may come next.
    enum Phase: Equatable {
        /// Building the handler; a failure goes to /init/error and ends the process.
        case initializing
        /// Waiting on GET next; a 500 or an unreachable API ends the process.
        case waitingForInvocation
        /// Running the handler for this request; its result or error is posted next.
        case handling(requestID: String)
        /// Done: the exit status the process should end with.
        case stopped(exitCode: Int32)
    }

    let client: Client
    let environment: [String: String]
    let logger: LambdaLogger
    let metrics: MetricsEmitter
    /// Stop after this many invocations (tests and benchmarks); nil runs until the API says stop.
    let maxInvocations: Int?

    /// Set to 1 for a `Duration` EMF record per invocation. Off by default: Lambda already publishes
    /// every invocation's duration (AWS/Lambda Duration), and the record costs a log line, and its
    /// CloudWatch Logs ingestion, per invocation.
    public static var durationMetricVariable: String { "VIDEO_LAMBDA_DURATION_METRIC" }

    public init(client: Client, environment: [String: String], logger: LambdaLogger, metrics: MetricsEmitter,
                maxInvocations: Int? = nil) {
        self.client = client
        self.environment = environment
        self.logger = logger
        self.metrics = metrics
        self.maxInvocations = maxInvocations
    }

    /// Runs until the Runtime API ends the process; returns the exit status to end with.
    public func run(makeHandler: (LambdaInitContext) throws -> LambdaByteHandler) -> Int32 {
        let initStart = ContinuousClock.now
        let handler: LambdaByteHandler
        do {
            handler = try makeHandler(LambdaInitContext(handlerName: environment["_HANDLER"] ?? "",
                                                       environment: environment, logger: logger))
        } catch {
            let report = ErrorReport.initFailure(error)
            logger.fatal("init failed: \(report.errorType): \(report.errorMessage)")
            do { try client.sendInitError(report) } catch { logger.error("could not post the init error: \(error)") }
            return 1
        }
        metrics.emit([("InitDuration", initStart.elapsedMs, .milliseconds)])

        let duration = environment[Self.durationMetricVariable] == "1" ? metrics.prepared([("Duration", .milliseconds)]) : nil
        // Whether the handler streams is asked once, not per invocation (a dynamic cast each time).
        let streaming = handler as? LambdaStreamingHandler
        var served = 0
        while maxInvocations.map({ served < $0 }) ?? true {
            if case .stopped(let exitCode) = serveOne(handler, streaming: streaming, duration: duration) { return exitCode }
            served += 1
        }
        return 0
    }

    /// One turn of the loop. Returns `.stopped` when the process must exit, `.waitingForInvocation` otherwise.
    /// `streaming`: the same handler when it streams its responses, else nil.
    func serveOne(_ handler: LambdaByteHandler, streaming: LambdaStreamingHandler?, duration: PreparedMetrics?) -> Phase {
        let invocation: Invocation
        do {
            invocation = try client.nextInvocation()
        } catch {
            logger.fatal("stopping: the Runtime API failed on GET next (\(error))")
            return .stopped(exitCode: 1)
        }
        let start = ContinuousClock.now
        let context = LambdaContext(invocation: invocation, logger: logger)
        TraceEnvironment.set(invocation.traceID)
        defer { TraceEnvironment.set(nil) }

        do {
            if let streaming {
                try answerStreamed(streaming, invocation, context)
            } else {
                try answerBuffered(handler, invocation, context)
            }
        } catch where error.code == .unexpectedStatus {
            // A status other than 202, 413 or 5xx (400 and 403 are the documented ones): the Runtime API
            // refused this answer. Lambda's contract asks a runtime to exit only on a 500; this
            // invocation's answer is lost, the next is served.
            context.logger.error("the Runtime API refused the answer to \(invocation.requestID): \(error)")
        } catch {
            context.logger.fatal("stopping: the Runtime API failed while answering \(invocation.requestID) (\(error))")
            return .stopped(exitCode: 1)
        }
        duration?.emit(start.elapsedMs)
        return .waitingForInvocation
    }

    /// Runs the handler and posts its response, or its error, in one piece.
    private func answerBuffered(_ handler: LambdaByteHandler, _ invocation: Invocation, _ context: LambdaContext) throws(LambdaRuntimeError) {
        let body: [UInt8]
        do {
            body = try handler.handle(invocation.event, context: context)
        } catch {
            return try postError(.function(error), for: invocation, context: context)
        }
        guard body.count <= Lambda.maxResponseBytes else {
            return try postError(.responseTooLarge(body.count), for: invocation, context: context)
        }
        if try client.sendResponse(requestID: invocation.requestID, body: body) == .tooLarge {
            // Lambda answers 413 having ended the invocation with Function.ResponseSizeTooLarge
            // itself: an error posted now would be refused.
            context.logger.error("Function.ResponseSizeTooLarge: the Runtime API refused the \(body.count)-byte response (413)")
        }
    }

    /// Runs a streaming handler with each write sent on as it is made. An error before the first
    /// write is posted as a buffered handler's; one after it ends the stream (in its trailers).
    private func answerStreamed(_ handler: LambdaStreamingHandler, _ invocation: Invocation, _ context: LambdaContext) throws(LambdaRuntimeError) {
        var thrown: Error?
        let outcome: StreamOutcome
        do {
            outcome = try client.streamResponse(requestID: invocation.requestID, contentType: handler.contentType) { stream in
                do { try handler.handle(invocation.event, context: context, stream: stream) } catch { thrown = error; throw error }
            }
        } catch {
            // The answer was refused or broke off: the handler's own error, if it threw one, is
            // logged still (the buffered path logs it before posting); the stream's failure passed
            // back up through the handler is the API's, logged by the caller of this.
            if let thrown, !(thrown is LambdaRuntimeError) { context.logger.error(ErrorReport.function(thrown)) }
            throw error
        }
        switch outcome {
        case .failedBeforeSending(let report): try postError(report, for: invocation, context: context)
        case .sent(let failure?): context.logger.error(failure)
        case .sent(nil): break
        }
    }

    private func postError(_ report: ErrorReport, for invocation: Invocation, context: LambdaContext) throws(LambdaRuntimeError) {
        context.logger.error(report)
        try client.sendError(requestID: invocation.requestID, report: report)
    }
}

extension ErrorReport {
    static func responseTooLarge(_ size: Int) -> ErrorReport {
        ErrorReport(errorType: "Function.ResponseSizeTooLarge",
                    errorMessage: "Response payload size (\(size) bytes) exceeded maximum allowed payload size (\(Lambda.maxResponseBytes) bytes).")
    }

    /// An init failure: runtime faults keep their Runtime.* name, anything else is the function's.
    static func initFailure(_ error: Error) -> ErrorReport {
        if let runtimeError = error as? LambdaRuntimeError {
            let name = runtimeError.code == .unknownHandler ? "InvalidEntrypoint" : "InitError"
            return .runtime(name, runtimeError.message)
        }
        return .function(error)
    }
}

extension ContinuousClock.Instant {
    var elapsedMs: Double {
        let elapsed = ContinuousClock.now - self
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }
}
