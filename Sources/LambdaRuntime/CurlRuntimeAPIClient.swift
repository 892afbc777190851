// The Runtime API over HTTP/1.1 on one keep-alive connection that libcurl opens (RuntimeAPIConnection).
import CCurl
#if canImport(Glibc)
import Glibc
#endif

/// Talks to the Runtime API at AWS_LAMBDA_RUNTIME_API (host:port), version 2018-06-01.
public final class CurlRuntimeAPIClient: RuntimeAPIClient {
    /// Attempts for one call when the API cannot be reached (connection refused or dropped).
    static let attempts = 3

    private let hostAndPort: String
    private let workingDirectory: String
    private let connection: RuntimeAPIConnection
    private let logger: LambdaLogger

    public init(runtimeAPI: String?, workingDirectory: String = "/var/task", logger: LambdaLogger) throws(LambdaRuntimeError) {
        guard let runtimeAPI, !runtimeAPI.isEmpty, !runtimeAPI.contains("/") else {
            throw LambdaRuntimeError(.missingRuntimeAPI,
                                     "AWS_LAMBDA_RUNTIME_API must be host:port, got '\(runtimeAPI ?? "")'; run under Lambda or `video-lambda serve`")
        }
        CurlGlobal.initialize()
        self.hostAndPort = runtimeAPI
        self.connection = RuntimeAPIConnection(hostAndPort: runtimeAPI)
        self.workingDirectory = workingDirectory
        self.logger = logger
    }

    public func nextInvocation() throws(LambdaRuntimeError) -> Invocation {
        let response = try perform(method: "GET", path: "/invocation/next", headers: [], body: nil)
        switch response.status {
        case 200: return try Invocation(headers: response.headers, body: response.body)
        default: throw statusError(response, call: "GET next")
        }
    }

    public func sendResponse(requestID: String, body: [UInt8]) throws(LambdaRuntimeError) -> ResponseOutcome {
        let response = try perform(method: "POST", path: "/invocation/\(Self.pathSegment(requestID))/response", headers: [], body: body)
        switch response.status {
        case 202: return .accepted
        case 413: return .tooLarge
        default: throw statusError(response, call: "POST response")
        }
    }

    public func streamResponse(requestID: String, contentType: String, _ produce: (LambdaResponseStream) throws -> Void) throws(LambdaRuntimeError) -> StreamOutcome {
        let path = "/invocation/\(Self.pathSegment(requestID))/response"
        let head = requestHead(method: "POST", path: path, headers: [
            "Lambda-Runtime-Function-Response-Mode: streaming", "Transfer-Encoding: chunked", "Content-Type: \(contentType)",
            "Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body",
        ], bodyCount: nil)
        let stream = ResponseStreamRequest(connection: connection, head: head, call: "POST http://\(hostAndPort)\(Self.basePath)\(path)")
        var failure: ErrorReport?
        do {
            try produce(LambdaResponseStream(stream.write))
        } catch {
            failure = .function(error)
        }
        let response = try stream.finish(failure: failure)
        if let failure, response == nil { return .failedBeforeSending(failure) }
        guard let response, response.status == 202 else {
            throw response.map { statusError($0, call: "POST response (streamed)") } ?? LambdaRuntimeError(.apiFailed, "the streamed response got no answer")
        }
        return .sent(failure: failure)
    }

    public func sendError(requestID: String, report: ErrorReport) throws(LambdaRuntimeError) {
        try postError(path: "/invocation/\(Self.pathSegment(requestID))/error", report: report)
    }

    public func sendInitError(_ report: ErrorReport) throws(LambdaRuntimeError) {
        try postError(path: "/init/error", report: report)
    }

    private func postError(path: String, report: ErrorReport) throws(LambdaRuntimeError) {
        let headers = ["Lambda-Runtime-Function-Error-Type: \(report.errorType)",
                       "Lambda-Runtime-Function-XRay-Error-Cause: \(report.xrayCause(workingDirectory: workingDirectory))",
                       "Content-Type: application/json"]
        let response = try perform(method: "POST", path: path, headers: headers, body: Array(report.jsonBody.utf8))
        guard response.status == 202 else { throw statusError(response, call: "POST \(path)") }
    }

    private func statusError(_ response: HTTPResponse, call: String) -> LambdaRuntimeError {
        let text = String(decoding: response.body.prefix(512), as: UTF8.self)
        if response.status >= 500 {
            return LambdaRuntimeError(.apiFailed, "\(call) answered \(response.status): \(text)")
        }
        return LambdaRuntimeError(.unexpectedStatus, "\(call) answered \(response.status): \(text)")
    }

    /// One HTTP exchange, retried a bounded number of times when the connection fails before any of
    /// the answer came. Whether the server took such a request cannot be told (a reset may come
    /// before or after it read it), and sending it again is safe: a second answer for one
    /// invocation is refused with a 4xx, which the loop logs and passes over, and a GET next that
    /// had been handed an event gets the same event again (as the emulator does it).
    /// An HTTP status, whatever it is, is an answer and is never retried. Nor is a request whose
    /// answer broke off midway: the server has taken it, and the process stops, as on a 500.
    private func perform(method: String, path: String, headers: [String], body: [UInt8]?) throws(LambdaRuntimeError) -> HTTPResponse {
        let head = requestHead(method: method, path: path, headers: headers, bodyCount: body?.count)
        var lastError = ""
        for attempt in 1...Self.attempts {
            do {
                return try connection.exchange(head: head, body: body ?? [])
            } catch where error.responseStarted {
                throw LambdaRuntimeError(.apiFailed, "\(method) http://\(hostAndPort)\(Self.basePath)\(path): the answer broke off (\(error)); the request is not sent again, the server has taken it")
            } catch {
                lastError = error.description
                logger.warn("Runtime API \(method) \(path) failed (attempt \(attempt) of \(Self.attempts)): \(lastError)")
                if attempt < Self.attempts { usleep(UInt32(50_000 << attempt)) }
            }
        }
        throw LambdaRuntimeError(.apiUnreachable, "\(method) http://\(hostAndPort)\(Self.basePath)\(path) failed \(Self.attempts) times: \(lastError)")
    }

    static let basePath = "/2018-06-01/runtime"

    /// A request id as one path segment. Lambda's are UUIDs, sent as they are; anything else a
    /// server sends (a space, '/', '?', a control byte) is percent-encoded rather than allowed to
    /// break the request line.
    static func pathSegment(_ id: String) -> String {
        func unreserved(_ byte: UInt8) -> Bool {
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x7E: return true
            default: return false
            }
        }
        guard !id.utf8.allSatisfy(unreserved) else { return id }
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in id.utf8 {
            if unreserved(byte) { out.append(byte) } else { out += [0x25, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]] }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The request line and headers, written straight into one array (this is on every invocation's
    /// path twice). Header values come from handlers (error types and messages): a CR or LF in one
    /// would start a header of its own, and servers refuse a header holding any other control byte
    /// (DEL included: Go's net/http answers 400, and the error would be lost), so each becomes a space.
    private func requestHead(method: String, path: String, headers: [String], bodyCount: Int?) -> [UInt8] {
        let crlf: [UInt8] = [0x0D, 0x0A]
        var head: [UInt8] = []
        head.reserveCapacity(96 + path.utf8.count + hostAndPort.utf8.count + headers.reduce(0) { $0 + $1.utf8.count + 2 })
        head += method.utf8
        head.append(0x20)
        head += Self.basePath.utf8
        head += path.utf8
        head += " HTTP/1.1\r\nHost: ".utf8
        head += hostAndPort.utf8
        head += crlf
        for header in headers { Self.appendHeaderLine(header, to: &head) }
        if let bodyCount {
            head += "Content-Length: ".utf8
            head += String(bodyCount).utf8
            head += crlf
        }
        head += crlf
        return head
    }

    /// `header` and its CRLF, each control byte in it a space.
    static func appendHeaderLine(_ header: String, to bytes: inout [UInt8]) {
        for byte in header.utf8 { bytes.append((byte < 0x20 && byte != 0x09) || byte == 0x7F ? 0x20 : byte) }
        bytes += [0x0D, 0x0A]
    }
}

/// libcurl's process-wide set-up, done once before the first handle.
enum CurlGlobal {
    private static let done: Bool = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK }()
    static func initialize() { _ = done }
}
