// HTTP requests for the object store on one reused libcurl handle: ranges, SigV4, pinned addresses, retries.
import CCurl
import Dispatch
import Glibc

/// What one request asks for. Everything that differs between requests is here, so a reused handle
/// carries nothing over from the previous request but its open connection.
struct HTTPRequest {
    var method = "GET"
    var url: String
    var headers: [String] = []
    var body: [UInt8]? = nil
    /// Signs the request with AWS SigV4 (libcurl's CURLOPT_AWS_SIGV4).
    var signing: AWSCredentials? = nil
    var region = "us-east-1"
    /// `host:port:address`, so the connection goes to the address the policy checked.
    var pinnedResolve: String? = nil
    /// Stop receiving past this many body bytes (the policy's maximum object size).
    var maximumBodyBytes: Int64? = nil
    /// Restrict to HTTPS (event URIs); S3 endpoints configured by the deployment may be plain HTTP.
    var httpsOnly = false
    /// Certificates to trust instead of the system's (CURL_CA_BUNDLE / SSL_CERT_FILE), e.g. a private CA.
    var caBundle: String? = nil
    /// No attempt starts after this, and none runs past it (see `ObjectStore.withDeadline`).
    var deadline: DispatchTime? = nil
}

struct HTTPResponse {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
}

final class HTTPClient {
    /// Attempts per request when the network fails or the server answers 5xx / 429 (S3's
    /// SlowDown is a 503: a throttled prefix needs more than one quick retry).
    static let attempts = 4

    /// The pause before retry `attempt` (1, 2, ...), in µs, drawn between half and all of a ceiling
    /// that doubles, so that the parallel range requests of one reader, and the functions reading
    /// the same prefix, do not all come back at the same moment. A network failure or a server
    /// error: 100, 200, 400 ms (at most 2 s). Throttling (S3's SlowDown, a 429) backs off longer,
    /// 0.5, 1, 2 s (at most 20 s), close to the AWS SDKs' pacing: a quick retry adds load to a prefix
    /// already over its request rate.
    static func backoffMicroseconds(beforeAttempt attempt: Int, throttled: Bool = false) -> Int {
        let (base, cap) = throttled ? (500_000, 20_000_000) : (100_000, 2_000_000)
        let ceiling = min(cap, base << min(attempt - 1, 20))
        return Int.random(in: (ceiling / 2)...ceiling)
    }

    /// The User-Agent of every request.
    static let userAgent = "video-lambda/1"

    private let handle: UnsafeMutableRawPointer

    init() {
        curlGlobalInit
        handle = curl_easy_init()
    }

    deinit { curl_easy_cleanup(handle) }

    /// Sends `request`, retrying transient failures with a short backoff. Throws `.network` with the
    /// last cause once the attempts are used up; HTTP errors other than 5xx come back as responses.
    func send(_ request: HTTPRequest, uri: String) throws -> HTTPResponse {
        var lastFailure = ""
        var throttled = false
        for attempt in 0..<Self.attempts {
            func deadlinePassed() -> ObjectStoreError {
                let after = lastFailure.isEmpty ? "" : " (after \(attempt) attempt\(attempt == 1 ? "" : "s"): \(lastFailure))"
                return ObjectStoreError(.deadline, uri: uri, "the invocation's deadline came before the request finished\(after)")
            }
            if attempt > 0 {
                let pause = Self.backoffMicroseconds(beforeAttempt: attempt, throttled: throttled)
                // Failing now leaves the caller the time the pause would have spent (its answer
                // must still reach Lambda before the deadline).
                if let deadline = request.deadline, DispatchTime.now() + .microseconds(pause) >= deadline { throw deadlinePassed() }
                usleep(useconds_t(pause))
            }
            if let deadline = request.deadline, DispatchTime.now() >= deadline { throw deadlinePassed() }
            switch perform(request) {
            case .success(let response):
                guard let failure = Self.transientFailure(response) else { return response }
                (lastFailure, throttled) = (failure.description, failure.throttled)
            case .failure(let reason, let retryable):
                (lastFailure, throttled) = (reason, false)
                if !retryable { throw ObjectStoreError(.network, uri: uri, reason) }
            case .overLimit(let status):
                throw Self.overLimit(request, status: status, uri: uri)
            }
        }
        throw ObjectStoreError(.network, uri: uri, "\(lastFailure) (after \(Self.attempts) attempts)")
    }

    /// How `response` failed ("HTTP 503 (SlowDown)") when the same request may succeed again, and
    /// whether the server asked to slow down: a server error, throttling, or S3's RequestTimeout (a
    /// 400 for a request body that came too slowly); nil for any other answer, and for 501 Not
    /// Implemented, which no retry changes. The error document is read only for an error status.
    private static func transientFailure(_ response: HTTPResponse) -> (description: String, throttled: Bool)? {
        guard response.status >= 400, response.status != 501 else { return nil }
        let code = HTTPRemoteObject.xmlElement("Code", in: response.body)
        guard response.status >= 500 || response.status == 429 || (response.status == 400 && code == "RequestTimeout") else { return nil }
        let throttled = response.status == 429 || response.status == 503
            || ["SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"].contains(code ?? "")
        return ("HTTP \(response.status)" + (code.map { " (\($0))" } ?? ""), throttled)
    }

    private enum Outcome {
        case success(HTTPResponse)
        case failure(String, retryable: Bool)
        /// The body grew past `maximumBodyBytes`: not retried, the same request would get the same.
        case overLimit(status: Int)
    }

    /// A body past its limit. Where a range was asked for, the server misbehaved (a whole object:
    /// it does not do ranges; anything else: more than the range), which no retry would change.
    private static func overLimit(_ request: HTTPRequest, status: Int, uri: String) -> ObjectStoreError {
        let limit = request.maximumBodyBytes ?? 0
        guard request.headers.contains(where: { $0.lowercased().hasPrefix("range:") }) else {
            return ObjectStoreError(.tooLarge, uri: uri, "the response is larger than \(limit) bytes")
        }
        guard status == 200 else {
            return ObjectStoreError(.badResponse, uri: uri, "HTTP \(status) sent more than the \(limit) bytes of the range asked for")
        }
        return ObjectStoreError(.badResponse, uri: uri, "the server ignored the Range header and sent the whole object; serve it from S3 or a server that answers range requests")
    }

    private func perform(_ request: HTTPRequest) -> Outcome {
        curl_easy_reset(handle)
        let collector = ResponseCollector(limit: request.maximumBodyBytes)
        let context = Unmanaged.passUnretained(collector).toOpaque()
        var list: UnsafeMutablePointer<curl_slist>? = nil
        // "Expect:" (no value) stops curl's 100-continue round trip, but libcurl 7.88 lists even an
        // emptied header among SigV4's signed headers, which S3 then rejects; signed requests keep it.
        let suppressContinue = request.signing == nil ? ["Expect:"] : []
        for header in request.headers + suppressContinue { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }
        var resolveList: UnsafeMutablePointer<curl_slist>? = nil
        if let pinned = request.pinnedResolve { resolveList = curl_slist_append(nil, pinned) }
        defer { curl_slist_free_all(resolveList) }

        vl_curl_setopt_ptr(handle, CURLOPT_URL, request.url)
        // Some web servers and CDNs refuse a request that names no client.
        vl_curl_setopt_ptr(handle, CURLOPT_USERAGENT, Self.userAgent)
        // The path as given: curl would remove "/../" and "/./", and S3 keys may hold them
        // (s3://allowed/../other/key is the key "../other/key" in bucket "allowed", not a way out).
        vl_curl_setopt_long(handle, CURLOPT_PATH_AS_IS, 1)
        vl_curl_setopt_ptr(handle, CURLOPT_HTTPHEADER, list)
        if let resolveList { vl_curl_setopt_ptr(handle, CURLOPT_RESOLVE, resolveList) }
        if let caBundle = request.caBundle { vl_curl_setopt_ptr(handle, CURLOPT_CAINFO, caBundle) }
        vl_curl_setopt_ptr(handle, CURLOPT_PROTOCOLS_STR, request.httpsOnly ? "https" : "http,https")
        // Redirects could lead past the policy to a private address; we do not follow them.
        vl_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        vl_curl_setopt_write(handle, CURLOPT_WRITEFUNCTION, collectResponseBody)
        vl_curl_setopt_ptr(handle, CURLOPT_WRITEDATA, context)
        vl_curl_setopt_write(handle, CURLOPT_HEADERFUNCTION, collectResponseHeader)
        vl_curl_setopt_ptr(handle, CURLOPT_HEADERDATA, context)
        vl_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        vl_curl_setopt_long(handle, CURLOPT_TCP_NODELAY, 1)
        vl_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, 5_000)
        if let deadline = request.deadline {
            // The whole transfer within the time left (at least a millisecond: 0 means no limit).
            let now = DispatchTime.now().uptimeNanoseconds
            let left = deadline.uptimeNanoseconds > now ? (deadline.uptimeNanoseconds - now) / 1_000_000 : 0
            vl_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(max(1, left)))
        }
        // A stalled transfer (under 1 KB/s for 15 s) is a network failure, not a hang.
        vl_curl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1024)
        vl_curl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, 15)
        if let signing = request.signing {
            vl_curl_setopt_ptr(handle, CURLOPT_AWS_SIGV4, "aws:amz:\(request.region):s3")
            vl_curl_setopt_ptr(handle, CURLOPT_USERNAME, signing.accessKeyID)
            vl_curl_setopt_ptr(handle, CURLOPT_PASSWORD, signing.secretAccessKey)
        }

        let code: CURLcode
        switch request.method {
        case "GET":
            vl_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
            code = curl_easy_perform(handle)
        case "HEAD":
            vl_curl_setopt_long(handle, CURLOPT_NOBODY, 1)
            code = curl_easy_perform(handle)
        default:
            vl_curl_setopt_ptr(handle, CURLOPT_CUSTOMREQUEST, request.method)
            let payload = request.body ?? []
            code = payload.withUnsafeBytes { bytes in
                vl_curl_setopt_long(handle, CURLOPT_POST, 1)
                vl_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count))
                vl_curl_setopt_ptr(handle, CURLOPT_POSTFIELDS, bytes.count > 0 ? bytes.baseAddress : UnsafeRawPointer(("" as StaticString).utf8Start))
                return curl_easy_perform(handle)
            }
        }
        if collector.overLimit { return .overLimit(status: collector.status) }
        guard code == CURLE_OK else {
            let reason = String(cString: curl_easy_strerror(code))
            let permanent = [CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_SSL_CACERT_BADFILE,
                             CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SETOPT_OPTION_SYNTAX]
            return .failure(reason, retryable: !permanent.contains(code))
        }
        var status = 0
        vl_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPResponse(status: status, headers: collector.headers, body: collector.body))
    }
}

/// libcurl's global state is set up once per process, before the first handle.
private let curlGlobalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

private final class ResponseCollector {
    var headers: [String: String] = [:]
    var body: [UInt8] = []
    /// The status of the answer being received (of its last status line: curl passes on interim ones).
    var status = 0
    let limit: Int64?
    var overLimit = false
    init(limit: Int64?) { self.limit = limit }

    /// An error answer carries a document (S3's error XML), not the object: the request's limit,
    /// sized for the range asked for, would cut it (the last block of an object can be a few bytes),
    /// and its code with it. Its first 64 KiB are kept and the rest read and dropped, so that the
    /// status still comes through (only the first 4 KiB are parsed).
    static let errorBodyLimit = 64 * 1024

    /// The most set aside at once on the strength of a Content-Length alone (a server may declare
    /// gigabytes and send bytes); a larger body grows as it arrives.
    static let largestReservation: Int64 = 64 << 20

    var isError: Bool { status >= 300 }
}

private func collectResponseBody(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let data, let context else { return 0 }
    let collector = Unmanaged<ResponseCollector>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    if collector.isError {
        let kept = min(length, max(0, ResponseCollector.errorBodyLimit - collector.body.count))
        data.withMemoryRebound(to: UInt8.self, capacity: kept) {
            collector.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: kept))
        }
        return length
    }
    // The first bytes of the object: a declared length past the limit is refused before anything is
    // kept (a whole-object read of a 4 GiB object would otherwise fill memory first), and one within
    // it is set aside at once instead of growing the array by doubling.
    if collector.body.isEmpty, let declared = collector.headers["content-length"].flatMap({ Int64($0) }), declared > 0 {
        if let limit = collector.limit, declared > limit {
            collector.overLimit = true
            return 0 // aborts the transfer
        }
        collector.body.reserveCapacity(Int(min(declared, collector.limit ?? declared, ResponseCollector.largestReservation)))
    }
    if let limit = collector.limit, Int64(collector.body.count + length) > limit {
        collector.overLimit = true
        return 0 // aborts the transfer
    }
    data.withMemoryRebound(to: UInt8.self, capacity: length) {
        collector.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
    }
    return length
}

private func collectResponseHeader(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let data, let context else { return 0 }
    let collector = Unmanaged<ResponseCollector>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    let line = data.withMemoryRebound(to: UInt8.self, capacity: length) {
        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }
    if line.hasPrefix("HTTP/") {
        collector.headers.removeAll()
        // "HTTP/1.1 503 Slow Down" or "HTTP/1.1 200\r\n": the code is the second word.
        collector.status = line.split(whereSeparator: \.isWhitespace).dropFirst().first.flatMap { Int($0) } ?? 0
    }
    if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].lowercased()
        var value = line[line.index(after: colon)...]
        // isWhitespace, because "\r\n" is one Character in Swift and equals neither "\r" nor "\n".
        while let first = value.first, first.isWhitespace { value = value.dropFirst() }
        while let last = value.last, last.isWhitespace { value = value.dropLast() }
        collector.headers[name] = String(value)
    }
    return length
}
