// The Lambda handler of a video function: each event format in, its expected answer out.
import Foundation
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
            let summaries = try records.map { try analyzeAndStore(VideoRequest(video: $0.uri, perFrame: true), key: $0.key, remaining) }
            return try Self.encode(["results": summaries])
        case .sqs(let messages):
            return try Self.encode(handleBatch(messages, context: context))
        case .http(let body):
            return try Self.encode(respondOverHTTP(body, remaining))
        }
    }

    /// Analyses one video, stores the full result at OUTPUT_URI/<key>.json, returns the summary.
    private func analyzeAndStore(_ request: VideoRequest, key: String, _ remaining: () -> Int64) throws -> AnalysisResult {
        var result = try analyzer.analyze(request, remainingMs: remaining)
        if let outputURI {
            let target = outputURI.hasSuffix("/") ? outputURI + key + ".json" : outputURI
            do { try analyzer.store.write(Array(try Self.encode(result)), to: target) }
            catch { throw VideoFunctionError(.outputFailed, "writing the result of \(request.video) to \(target): \(error)") }
            result.output = target
        }
        return result.summary
    }

    /// SQS: each message on its own; failures are reported so that only they are retried.
    private func handleBatch(_ messages: [FunctionEvent.SQSMessage], context: LambdaContext) -> BatchResponse {
        var failures: [BatchResponse.Failure] = []
        for message in messages {
            do {
                switch try FunctionEvent.parse(Array(message.body.utf8)) {
                case .direct(let request):
                    _ = try analyzeAndStore(request, key: message.messageID, { context.remainingTimeMs })
                case .s3(let records):
                    for record in records { _ = try analyzeAndStore(VideoRequest(video: record.uri, perFrame: true), key: record.key, { context.remainingTimeMs }) }
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
