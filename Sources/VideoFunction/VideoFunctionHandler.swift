// The Lambda handler of a video function: each event format in, its expected answer out.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LambdaRuntime
import ObjectStore

public struct VideoFunctionHandler: LambdaByteHandler {
    let analyzer: VideoAnalyzer
    /// Where S3 and SQS results are written: a prefix (ending in '/') or a single object URI.
    let outputURI: String?

    public init(analyzer: VideoAnalyzer, outputURI: String?) {
        self.analyzer = analyzer
        self.outputURI = outputURI.flatMap { $0.isEmpty ? nil : $0 }
    }

    public func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] {
        let remaining = { context.remainingTimeMs }
        switch try FunctionEvent.parse(event) {
        case .direct(let request):
            return try Self.encode(try analyzer.analyze(request, remainingMs: remaining))
        case .s3(let records):
            return try Self.encode(["results": try handleRecords(records, context: context)])
        case .sqs(let messages):
            return try Self.encode(handleBatch(messages, context: context))
        case .http(let body):
            return try Self.encode(respondOverHTTP(body, remaining))
        }
    }

    /// Analyses one video, stores the full result at OUTPUT_URI/<key>.json, returns the summary.
    /// Without OUTPUT_URI there is nowhere to store it, and the full result is returned instead.
    private func analyzeAndStore(_ request: VideoRequest, key: String, _ remaining: () -> Int64) throws -> AnalysisResult {
        var result = try analyzer.analyze(request, remainingMs: remaining)
        guard let outputURI else { return result }
        let target = outputURI.hasSuffix("/") ? outputURI + key + ".json" : outputURI
        do { try analyzer.store.write(Array(try Self.encode(result)), to: target) }
        catch { throw VideoFunctionError(.outputFailed, "writing the result of \(request.video) to \(target): \(error)") }
        result.output = target
        return result.summary
    }

    /// S3: every record is analysed, whatever happens to the others. If any failed, the invocation
    /// fails (so that Lambda retries the event) with the first failure's type and every failure
    /// named; the results of the others are already stored, and a retry stores them again.
    private func handleRecords(_ records: [FunctionEvent.S3Record], context: LambdaContext) throws -> [AnalysisResult] {
        var summaries: [AnalysisResult] = []
        var failures: [Error] = []
        for record in records {
            do {
                summaries.append(try analyzeAndStore(VideoRequest(video: record.uri, perFrame: true), key: record.key, { context.remainingTimeMs }))
            } catch {
                // Not logged here: the error thrown below names every failure, and its caller logs it.
                failures.append(error)
            }
        }
        guard let first = failures.first else { return summaries }
        guard records.count > 1 else { throw first }
        // The analyzer's errors are all VideoFunctionErrors; anything else failed after the analysis.
        let code = (first as? VideoFunctionError)?.code ?? .outputFailed
        // Each analysis error names its video already.
        let reasons = failures.map { "\($0)" }.joined(separator: "; ")
        let others = outputURI != nil && failures.count < records.count ? " (the others' results were stored)" : ""
        throw VideoFunctionError(code, "\(failures.count) of \(records.count) records failed\(others): \(reasons)",
                                 storeCode: (first as? VideoFunctionError)?.storeCode)
    }

    /// SQS: each message on its own; failures are reported so that only they are retried.
    private func handleBatch(_ messages: [FunctionEvent.SQSMessage], context: LambdaContext) -> BatchResponse {
        var failures: [BatchResponse.Failure] = []
        for message in messages {
            do {
                // An SQS answer carries no results: without OUTPUT_URI they would be lost, so the
                // message fails and stays in the queue (then the dead-letter queue) instead.
                guard outputURI != nil else {
                    throw VideoFunctionError(.outputFailed, "OUTPUT_URI is not set: there is nowhere to store the result of message \(message.messageID)")
                }
                switch try FunctionEvent.parse(Array(message.body.utf8)) {
                case .direct(let request):
                    _ = try analyzeAndStore(request, key: message.messageID, { context.remainingTimeMs })
                case .s3(let records):
                    _ = try handleRecords(records, context: context)
                default:
                    throw VideoFunctionError(.invalidEvent, "an SQS message body must be a direct event or an S3 notification")
                }
            } catch {
                context.logger.error("message \(message.messageID) failed: \(error)")
                failures.append(BatchResponse.Failure(itemIdentifier: message.messageID))
            }
        }
        return BatchResponse(batchItemFailures: failures)
    }

    /// API Gateway v2 / Function URL: the body is a direct event; errors become 4xx or 5xx.
    private func respondOverHTTP(_ body: String, _ remaining: () -> Int64) throws -> HTTPResponse {
        do {
            // Said plainly: parsing an empty body would report "unexpected end of input at byte 0".
            guard body.contains(where: { !$0.isWhitespace }) else {
                throw VideoFunctionError(.invalidEvent, "the request has no body; send the event as JSON, e.g. {\"video\": \"s3://bucket/key.mp4\"}")
            }
            guard case .direct(let request) = try FunctionEvent.parse(Array(body.utf8)) else {
                throw VideoFunctionError(.invalidEvent, "the request body must be a direct event: {\"video\": URI, ...}")
            }
            let result = try analyzer.analyze(request, remainingMs: remaining)
            return HTTPResponse(statusCode: 200, body: String(decoding: try Self.encode(result), as: UTF8.self))
        } catch let error as VideoFunctionError {
            let status: Int
            switch error.code {
            case .invalidEvent: status = 400
            case .videoUnavailable:
                switch error.storeCode {
                case .refusedByPolicy?, .accessDenied?, .badSignature?: status = 403
                case .notFound?: status = 404
                default: status = 502
                }
            case .invalidVideo: status = 422
            case .timeout: status = 504
            default: status = 500
            }
            let payload = ["errorType": "Function." + error.lambdaErrorName, "errorMessage": error.message]
            return HTTPResponse(statusCode: status, body: String(decoding: try Self.encode(payload), as: UTF8.self))
        }
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
