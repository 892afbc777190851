// One streamed response on the Runtime API connection: the head goes with the first write, each
// write is a chunk, and the end is the last chunk with the trailers that carry an error.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

final class ResponseStreamRequest {
    private let connection: RuntimeAPIConnection
    private let head: [UInt8]
    private let call: String
    private var started = false
    /// The Runtime API's answer when it came before the end (it refused the stream).
    private var earlyAnswer: HTTPResponse?
    /// The connection's failure, once it broke: every write after it, and the end, throw it.
    private var broken: LambdaRuntimeError?

    init(connection: RuntimeAPIConnection, head: [UInt8], call: String) {
        self.connection = connection
        self.head = head
        self.call = call
    }

    /// Sends `bytes` as one chunk, with the head before the first. When the API has answered
    /// before the stream's end (a refusal), these bytes are not sent and the next write throws;
    /// `finish` returns that answer.
    func write(_ bytes: [UInt8]) throws {
        if let broken { throw broken }
        if let earlyAnswer { throw LambdaRuntimeError(.unexpectedStatus, "\(call) was answered \(earlyAnswer.status) before its end") }
        do {
            if started {
                earlyAnswer = try connection.sendChunk(bytes)
            } else {
                started = true
                earlyAnswer = try connection.beginStream(head: head, firstChunk: bytes)
            }
        } catch {
            broken = LambdaRuntimeError(.apiFailed, "\(call): the stream broke off (\(error)); the Runtime API may have part of the response")
            throw broken!
        }
    }

    /// Ends the stream, naming `failure` in its trailers, and returns the answer; nil when nothing
    /// was written and there is a failure (nothing is sent: the error is posted on its own).
    func finish(failure: ErrorReport?) throws(LambdaRuntimeError) -> HTTPResponse? {
        if let broken { throw broken }
        if let earlyAnswer { return earlyAnswer }
        if !started, failure != nil { return nil }
        var trailers: [UInt8] = []
        if let failure {
            CurlRuntimeAPIClient.appendHeaderLine("Lambda-Runtime-Function-Error-Type: \(failure.errorType)", to: &trailers)
            CurlRuntimeAPIClient.appendHeaderLine("Lambda-Runtime-Function-Error-Body: \(Data(failure.jsonBody.utf8).base64EncodedString())", to: &trailers)
        }
        do {
            if !started, let answer = try connection.beginStream(head: head, firstChunk: nil) { return answer }
            return try connection.endStream(trailers: trailers)
        } catch {
            throw LambdaRuntimeError(.apiFailed, "\(call): the stream's end was not answered (\(error))")
        }
    }
}
