// Response streaming: a handler that writes its response in parts, each passed on to the caller
// (InvokeWithResponseStream, a Function URL in RESPONSE_STREAM mode) as it is written, beyond the
// 6 MB a buffered response may carry.

/// A handler that streams its response. It is a byte handler too: where nothing streams (local
/// invoke, a client that cannot), what it writes is collected into one response.
public protocol LambdaStreamingHandler: LambdaByteHandler {
    /// The response's Content-Type.
    var contentType: String { get }
    /// Writes the response to `stream`. Throwing before the first write reports a function error
    /// as a buffered handler's does; throwing after it ends the stream with the error, which the
    /// caller gets in the stream's last event (InvokeComplete's ErrorCode and ErrorDetails).
    func handle(_ event: [UInt8], context: LambdaContext, stream: LambdaResponseStream) throws
}

extension LambdaStreamingHandler {
    public var contentType: String { "application/octet-stream" }

    public func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] {
        var collected: [UInt8] = []
        try handle(event, context: context, stream: LambdaResponseStream { collected += $0 })
        return collected
    }
}

/// Where a streaming handler writes. Each write is sent on at once, as one HTTP chunk.
public final class LambdaResponseStream {
    /// Lambda's limit on a streamed response.
    public static let maximumBytes = 200 * 1024 * 1024

    private let send: ([UInt8]) throws -> Void
    public private(set) var bytesWritten = 0

    public init(_ send: @escaping ([UInt8]) throws -> Void) { self.send = send }

    /// Sends `bytes` on. Past Lambda's 200 MB it throws Function.ResponseSizeTooLarge (the stream
    /// then ends with that error); a Runtime API that broke off throws its error.
    public func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        guard bytesWritten + bytes.count <= Self.maximumBytes else {
            throw FunctionError("ResponseSizeTooLarge", "the streamed response would pass Lambda's \(Self.maximumBytes) bytes")
        }
        try send(bytes)
        bytesWritten += bytes.count
    }

    public func write(_ text: String) throws { try write(Array(text.utf8)) }
}
