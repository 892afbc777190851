// The Lambda handler of a video function: each event format in, its expected answer out.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch
import LambdaRuntime
import ObjectStore

public struct VideoFunctionHandler: LambdaByteHandler {
    let analyzer: VideoAnalyzer
    /// Where S3 and SQS results are written (OUTPUT_URI); nil when it is not set.
    let output: OutputLocation?

    /// `output`: where results go, as `checkedOutput` read OUTPUT_URI.
    init(analyzer: VideoAnalyzer, output: OutputLocation?) {
        self.analyzer = analyzer
        self.output = output
    }

    /// OUTPUT_URI read and checked, nil when it is not set. Throws when it cannot hold one result
    /// per video (see `OutputLocation`), or names a place results cannot be written to (HTTPS, a
    /// bucket the policy does not allow): an init error, found before the model loads, instead of
    /// every S3 or SQS event analysing its video only to fail storing it.
    static func checkedOutput(_ outputURI: String?, store: ObjectStore) throws -> OutputLocation? {
        guard let outputURI, !outputURI.isEmpty else { return nil }
        let output = try OutputLocation(outputURI)
        do { try store.checkWritable(output.target(forKey: "key")) }
        catch { throw VideoFunctionError(.invalidConfig, "OUTPUT_URI '\(output.uri)': \(error)") }
        return output
    }

    /// `remainingMs` less `reserveMs`, saturating: a deadline header far in the past (a remaining
    /// time near Int64.min) must mean no time, not trap.
    static func less(_ remainingMs: Int64, _ reserveMs: Int64) -> Int64 {
        let (difference, overflow) = remainingMs.subtractingReportingOverflow(reserveMs)
        return overflow ? .min : difference
    }

    /// Time an analysis whose result is stored leaves for storing it (one PUT of a small JSON): an
    /// analysis that stops early at the deadline must still be able to store what it did.
    static let resultWriteReserveMs: Int64 = 500

    public func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] {
        // Every request to S3 or HTTPS during the invocation ends before the deadline, less the time
        // to answer: a stalled server fails that request (Function.Timeout, or the message) instead
        // of running the invocation into Lambda's timeout, where the whole answer would be lost.
        try analyzer.store.withDeadline(Self.requestDeadline(remainingMs: context.remainingTimeMs)) {
            try handleEvent(event, context: context)
        }
    }

    /// The deadline of the store's requests when `remainingMs` is left: that, less the time to
    /// answer. nil when there is no deadline.
    static func requestDeadline(remainingMs: Int64) -> DispatchTime? {
        guard remainingMs != .max else { return nil }
        return DispatchTime.now() + .milliseconds(Int(max(0, less(remainingMs, Int64(VideoAnalyzer.deadlineReserveMs)))))
    }

    private func handleEvent(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] {
        let remaining = { context.remainingTimeMs }
        switch try FunctionEvent.parse(event) {
        case .direct(let request):
            return try Self.encode(try analyzer.analyze(request, remainingMs: remaining))
        case .s3(let records):
            return try Self.encode(try handleRecords(records, context: context))
        case .sqs(let messages):
            return try Self.encode(handleBatch(messages, context: context))
        case .http(let request):
            return try Self.encode(respondOverHTTP(request, remaining))
        case .s3TestEvent:
            context.logger.info("S3's test event: the notification reaches the function")
            return try Self.encode(["skipped": Self.testEventNote])
        }
    }

    static let testEventNote = "s3:TestEvent, which S3 sends to check a new notification: nothing to analyse"

    /// The answer to an S3 notification: each analysed record's summary (its full result when there
    /// is no OUTPUT_URI), and the records that tell of no new object.
    struct S3Response: Encodable {
        struct Skipped: Encodable {
            var key: String
            var eventName: String
            /// Said where the event name does not say why (an object gone since it was created).
            var reason: String? = nil
        }
        var results: [AnalysisResult]
        var skipped: [Skipped]?
    }

    /// Analyses one video, stores the full result where OUTPUT_URI puts `key`'s, returns the summary.
    /// Without OUTPUT_URI there is nowhere to store it, and the full result is returned instead.
    private func analyzeAndStore(_ request: VideoRequest, key: String, _ remaining: @escaping () -> Int64) throws -> AnalysisResult {
        guard let output else { return try analyzer.analyze(request, remainingMs: remaining) }
        try output.checkStaysInside(key: key, video: request.video)
        let target = output.target(forKey: key)
        // Checked before the analysis, which would be for nothing: S3 refuses a key this long.
        if case .s3(_, let targetKey)? = try? ObjectURI(parsing: target) {
            try FunctionEvent.checkS3Key(targetKey, "the result of \(request.video) would go to \(target), whose key")
        }
        var result = try analyzer.analyze(request, remainingMs: { Self.less(remaining(), Self.resultWriteReserveMs) })
        do { try analyzer.store.write(Array(try Self.encode(result)), to: target) }
        catch let error as ObjectStoreError where error.code == .deadline {
            throw VideoFunctionError(.timeout, "writing the result of \(request.video) to \(target): \(error)", storeCode: error.code)
        } catch {
            throw VideoFunctionError(.outputFailed, "writing the result of \(request.video) to \(target): \(error)")
        }
        result.output = target
        return result.summary
    }

    /// S3: every record is analysed, whatever happens to the others. If any failed, the invocation
    /// fails (so that Lambda retries the event) with the first failure's type and every failure
    /// named; the results of the others are already stored, and a retry stores them again. An
    /// analysis that stopped early at the deadline fails too: nobody reads an S3 invocation's answer,
    /// and a partial result stored as if complete would stand for the whole video for good.
    private func handleRecords(_ records: [FunctionEvent.S3Record], context: LambdaContext) throws -> S3Response {
        var summaries: [AnalysisResult] = []
        var skipped: [S3Response.Skipped] = []
        var failures: [Error] = []
        for record in records {
            guard record.isObjectCreated else {
                context.logger.info("skipped \(record.uri): \(record.eventName ?? "") tells of no new object")
                skipped.append(.init(key: record.key, eventName: record.eventName ?? ""))
                continue
            }
            if let output, output.holds(bucket: record.bucket, key: record.key) {
                context.logger.warn("skipped \(record.uri): it is where this function writes results (OUTPUT_URI \(output.uri)); the bucket's notifications should leave out that prefix")
                skipped.append(.init(key: record.key, eventName: record.eventName ?? ""))
                continue
            }
            // Failing it would only be retried until the dead-letter queue: it never holds a video.
            guard !record.isFolderMarker else {
                context.logger.info("skipped \(record.uri): an empty object whose key ends in '/' (a folder the S3 console made)")
                skipped.append(.init(key: record.key, eventName: record.eventName ?? ""))
                continue
            }
            // S3 allows them, URIs here do not (they would reach logs and headers as they are): a
            // failure would be retried until the dead-letter queue, each time the same.
            guard !record.key.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                context.logger.warn("skipped s3://\(record.bucket)/…: its key holds control characters, which this function does not read; rename the object")
                skipped.append(.init(key: record.key, eventName: record.eventName ?? "", reason: "the key holds control characters"))
                continue
            }
            do {
                var request = VideoRequest(video: record.uri, perFrame: true)
                request.expectedETag = record.expectedETag
                let summary = try analyzeAndStore(request, key: record.key, { context.remainingTimeMs })
                if let unfinished = Self.unfinished([summary]) { throw unfinished }
                summaries.append(summary)
            } catch let error as VideoFunctionError where error.storeCode == .notFound && error.storeS3Code != "NoSuchBucket" {
                // Deleted since S3 told of it: every retry would find it gone the same way, then
                // end in the failure destination. (Without s3:ListBucket S3 answers 403, not 404;
                // a bucket that is not there, as in a sample event run by hand, is no deletion.)
                context.logger.warn("skipped \(record.uri): it no longer exists (\(error))")
                skipped.append(.init(key: record.key, eventName: record.eventName ?? "", reason: "the object no longer exists"))
            } catch let error as VideoFunctionError where error.storeCode == .changed && record.eTag != nil {
                // Replaced since S3 told of it: the new version has a notification of its own, and
                // analysing it here would store its result under this one's (a retry too).
                context.logger.warn("skipped \(record.uri): it was replaced since this notification (\(error))")
                skipped.append(.init(key: record.key, eventName: record.eventName ?? "", reason: "the object was replaced since this notification"))
            } catch {
                // Not logged here: the error thrown below names every failure, and its caller logs it.
                failures.append(error)
            }
        }
        guard let first = failures.first else { return S3Response(results: summaries, skipped: skipped.isEmpty ? nil : skipped) }
        let analysed = records.count - skipped.count
        guard analysed > 1 else { throw first }
        // The analyzer's errors are all VideoFunctionErrors; anything else failed after the analysis.
        let code = (first as? VideoFunctionError)?.code ?? .outputFailed
        // Each analysis error names its video already.
        let reasons = failures.map { "\($0)" }.joined(separator: "; ")
        let others = output != nil && failures.count < analysed ? " (the others' results were stored)" : ""
        throw VideoFunctionError(code, "\(failures.count) of \(analysed) records failed\(others): \(reasons)",
                                 storeCode: (first as? VideoFunctionError)?.storeCode)
    }

    /// SQS: each message on its own; failures are reported so that only they are retried. A message
    /// whose analysis stopped early at the deadline fails too (its partial result is stored, and
    /// replaced when the retry completes it): acknowledging it would keep the partial one for good.
    /// Messages after it fail at once when no batch of frames fits the time left (the analyzer's
    /// check), so the answer is still sent before the deadline.
    /// From a FIFO queue, the first failure ends the batch: it and every message after it are
    /// reported failed, unprocessed, so that a group's later messages are not done before it.
    private func handleBatch(_ messages: [FunctionEvent.SQSMessage], context: LambdaContext) -> BatchResponse {
        var failures: [BatchResponse.Failure] = []
        for (position, message) in messages.enumerated() {
            if message.isFIFO, !failures.isEmpty {
                let left = messages[position...].map { BatchResponse.Failure(itemIdentifier: $0.messageID) }
                context.logger.info("\(left.count) messages of a FIFO queue left unprocessed after a failure, to keep their order")
                failures += left
                break
            }
            do {
                let event = try FunctionEvent.parse(Array(message.body.utf8))
                if case .s3TestEvent = event {
                    context.logger.info("message \(message.messageID) is S3's test event: the notification reaches the queue")
                    continue
                }
                // An SQS answer carries no results: without OUTPUT_URI they would be lost, so the
                // message fails and stays in the queue (then the dead-letter queue) instead. A
                // notification with no new object in it has no result to lose.
                if case .s3(let records) = event, !records.contains(where: \.isNewObject) {
                    context.logger.info("message \(message.messageID) tells of no new object: nothing to analyse")
                    continue
                }
                guard output != nil else {
                    throw VideoFunctionError(.outputFailed, "OUTPUT_URI is not set: there is nowhere to store the result of message \(message.messageID)")
                }
                let results: [AnalysisResult]
                switch event {
                case .direct(let request):
                    results = [try analyzeAndStore(request, key: message.messageID, { context.remainingTimeMs })]
                case .s3(let records):
                    results = try handleRecords(records, context: context).results
                default:
                    throw VideoFunctionError(.invalidEvent, "an SQS message body must be a direct event or an S3 notification")
                }
                if let unfinished = Self.unfinished(results) { throw unfinished }
            } catch {
                context.logger.error("message \(message.messageID) failed: \(error)")
                failures.append(BatchResponse.Failure(itemIdentifier: message.messageID))
            }
        }
        return BatchResponse(batchItemFailures: failures)
    }

    /// The failure of a queued message whose analysis stopped early, so that it is retried; nil when
    /// every result is complete.
    static func unfinished(_ results: [AnalysisResult]) -> VideoFunctionError? {
        guard let cut = results.first(where: { $0.stoppedEarly != nil }) else { return nil }
        return VideoFunctionError(.timeout, "\(cut.video): \(cut.stoppedEarly ?? ""); left for a retry")
    }

    /// API Gateway / Function URL: a POST whose body is a direct event; errors become 4xx or 5xx.
    /// Behind API Gateway the time left is the gateway's, when that is shorter than the function's:
    /// an answer after the gateway gave up would reach no one.
    private func respondOverHTTP(_ http: FunctionEvent.HTTPRequest, _ lambdaRemaining: @escaping () -> Int64) throws -> HTTPResponse {
        let remaining = { min(lambdaRemaining(), http.gatewayTimeLeftMs(nowEpochMs: Clock.nowMs())) }
        let gatewayNote = http.gateway.map { " (API Gateway answers the caller itself \($0.timeoutMs / 1000) s after the request arrived)" } ?? ""
        // An event that does not say (a test event made by hand) is taken as a POST.
        guard http.method.isEmpty || http.method.uppercased() == "POST" else {
            var response = try Self.errorResponse(405, type: "Function.InvalidEvent",
                                                  message: "\(http.method) is not served: POST the event as JSON, e.g. {\"video\": \"s3://bucket/key.mp4\"}")
            response.headers["allow"] = "POST"
            return response
        }
        do {
            let body = try http.decodedBody()
            // Said plainly: parsing an empty body would report "unexpected end of input at byte 0".
            guard body.contains(where: { !$0.isWhitespace }) else {
                throw VideoFunctionError(.invalidEvent, "the request has no body; send the event as JSON, e.g. {\"video\": \"s3://bucket/key.mp4\"}")
            }
            guard case .direct(let request) = try FunctionEvent.parse(Array(body.utf8)) else {
                throw VideoFunctionError(.invalidEvent, "the request body must be a direct event: {\"video\": URI, ...}")
            }
            let result = try analyzer.store.withDeadline(Self.requestDeadline(remainingMs: remaining())) {
                try analyzer.analyze(request, remainingMs: remaining)
            }
            return HTTPResponse(statusCode: 200, body: String(decoding: try Self.encode(result), as: UTF8.self))
        } catch let error as VideoFunctionError {
            let status: Int
            switch error.code {
            case .invalidEvent: status = 400
            case .videoUnavailable:
                switch error.storeCode {
                // The caller named something that cannot be read: a URI that does not parse (or an
                // unsupported scheme), one the policy refuses, none there, or one over the size limit.
                case .invalidURI?: status = 400
                case .refusedByPolicy?, .accessDenied?: status = 403
                case .notFound?: status = 404
                // A directory or a FIFO where the video should be: nothing to take, as for one too large.
                case .tooLarge?, .notAFile?: status = 422
                // Replaced while it was read: the caller may ask again, and gets the new one.
                case .changed?: status = 409
                // The store or the network failed us, or S3 refused the function's own signature
                // (its credentials or clock): the gateway's upstream error, not the caller's.
                default: status = 502
                }
            case .invalidVideo: status = 422
            case .timeout: status = 504
            default: status = 500
            }
            let message = error.code == .timeout ? error.message + gatewayNote : error.message
            return try Self.errorResponse(status, type: "Function." + error.lambdaErrorName, message: message)
        } catch {
            // Anything else (a result that would not encode) is still an answer the caller can read.
            return try Self.errorResponse(500, type: "Function.InternalError", message: "\(error)")
        }
    }

    /// An HTTP answer carrying an error as the function's errors read: errorType and errorMessage.
    static func errorResponse(_ status: Int, type: String, message: String) throws -> HTTPResponse {
        HTTPResponse(statusCode: status, body: String(decoding: try encode(["errorType": type, "errorMessage": message]), as: UTF8.self))
    }

    struct BatchResponse: Encodable {
        struct Failure: Encodable { var itemIdentifier: String }
        var batchItemFailures: [Failure]
    }

    struct HTTPResponse: Encodable {
        var statusCode: Int
        var headers = ["content-type": "application/json"]
        var body: String
    }

    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }
}
