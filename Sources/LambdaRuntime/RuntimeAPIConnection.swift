// One keep-alive connection to the Runtime API: libcurl opens it (CURLOPT_CONNECT_ONLY) and the
// client speaks HTTP/1.1 over it with curl_easy_send / curl_easy_recv. A full curl_easy_perform costs
// seven system calls and most of the runtime's CPU per request (header callbacks, URL parsing, its
// state machine); this costs one send and usually one receive: the socket is put in blocking mode,
// so waiting for the answer (GET next's wait for work) is the receive itself, not a poll before it.
import CCurl
#if canImport(Glibc)
import Glibc
#endif

/// Why an exchange got no response: the connection could not be made, broke, or carried no HTTP.
struct ConnectionFailure: Error, CustomStringConvertible {
    let description: String
    /// Whether any byte of a response had arrived. A reused connection that fails before that was
    /// most likely closed by the server while idle, and the request is sent again on a new one.
    var responseStarted = false
}

final class RuntimeAPIConnection {
    /// Requests with bodies up to this size are sent with their head in one write.
    static let coalescedBodyLimit = 64 * 1024
    /// The receive buffer's resting size; a larger event grows it for one exchange.
    static let bufferSize = 64 * 1024

    private let origin: String
    private var handle: UnsafeMutableRawPointer?
    private var socket: curl_socket_t = -1
    private var buffer = [UInt8](repeating: 0, count: RuntimeAPIConnection.bufferSize)

    /// `hostAndPort` as AWS_LAMBDA_RUNTIME_API gives it. Nothing connects until the first exchange.
    init(hostAndPort: String) {
        origin = "http://\(hostAndPort)"
    }

    deinit { close() }

    /// Sends one request (head already framed, body as given) and reads its response.
    func exchange(head: [UInt8], body: [UInt8]) throws(ConnectionFailure) -> HTTPResponse {
        let reused = handle != nil
        do {
            return try attempt(head: head, body: body)
        } catch where reused && !error.responseStarted {
            close()
            return try attempt(head: head, body: body)
        }
    }

    private func attempt(head: [UInt8], body: [UInt8]) throws(ConnectionFailure) -> HTTPResponse {
        if handle == nil { try open() }
        do {
            var sentAll = true
            if body.count <= Self.coalescedBodyLimit {
                // Fits the socket's send buffer: a blocking send returns at once.
                try send(body.isEmpty ? head : head + body)
            } else {
                // A server may answer a large body early (413) and stop reading it: send without
                // blocking and watch for that answer, so neither side waits on the other.
                setBlocking(socket, false)
                defer { if handle != nil { setBlocking(socket, true) } }
                try send(head)
                sentAll = try send(body, watchingForAnswer: true)
            }
            let (response, reusable) = try receive()
            // A server that answered before taking the whole body (e.g. 413) has the rest unread.
            if !reusable || !sentAll { close() }
            if buffer.count > Self.bufferSize { buffer = [UInt8](repeating: 0, count: Self.bufferSize) }
            return response
        } catch {
            close()
            throw error
        }
    }

    // MARK: - A request whose body is sent in chunks as it is made (a streamed response)
    //
    // The socket stays non-blocking from the head to the last chunk: a server that refuses the
    // stream may answer and stop reading at any point, and each send watches for that answer.

    /// Sends the head of a chunked request with its first chunk (nil: an empty stream, whose end
    /// follows). A kept-alive connection the
    /// server closed while idle is opened anew first: a send to it would succeed and the stream be
    /// lost at its first answer. Returns the server's answer when it came before the stream's end.
    func beginStream(head: [UInt8], firstChunk: [UInt8]?) throws(ConnectionFailure) -> HTTPResponse? {
        if handle != nil && closedByServer() { close() }
        if handle == nil { try open() }
        setBlocking(socket, false)
        return try sendStreamPart(firstChunk.map { head + Self.chunk($0) } ?? head)
    }

    /// Sends `bytes` as one chunk; returns the server's answer when it came before the stream's end.
    func sendChunk(_ bytes: [UInt8]) throws(ConnectionFailure) -> HTTPResponse? {
        try sendStreamPart(Self.chunk(bytes))
    }

    /// Sends the last chunk with `trailers` (header lines, each ending CRLF) and reads the answer.
    func endStream(trailers: [UInt8]) throws(ConnectionFailure) -> HTTPResponse {
        if let early = try sendStreamPart(Array("0\r\n".utf8) + trailers + [0x0D, 0x0A]) { return early }
        do {
            setBlocking(socket, true)
            let (response, reusable) = try receive()
            if !reusable { close() }
            return response
        } catch {
            close()
            throw error
        }
    }

    private static func chunk(_ bytes: [UInt8]) -> [UInt8] {
        var chunk = Array(String(bytes.count, radix: 16).utf8) + [0x0D, 0x0A]
        chunk += bytes
        chunk += [0x0D, 0x0A]
        return chunk
    }

    /// Sends part of a stream, unless the server has answered already (a refusal: the answer is
    /// read, the connection closed, and the answer returned). A send that fails because the server
    /// answered and closed (as servers do with a body they will not read) returns that answer too.
    private func sendStreamPart(_ bytes: [UInt8]) throws(ConnectionFailure) -> HTTPResponse? {
        do {
            if Self.readable(socket) { return try earlyAnswer() }
            if try send(bytes, watchingForAnswer: true) { return nil }
            return try earlyAnswer()
        } catch {
            let failure = error
            // The answer may be there to read after a reset send; else the send's failure stands.
            if handle != nil, Self.readable(socket), let answer = try? earlyAnswer() { return answer }
            close()
            throw failure
        }
    }

    private func earlyAnswer() throws(ConnectionFailure) -> HTTPResponse {
        defer { close() }
        return try receive().0
    }

    /// Whether the server closed this idle connection (or sent what nobody asked for): either way
    /// it cannot carry a request.
    private func closedByServer() -> Bool { Self.readable(socket) }

    /// Whether `socket` has something to read, or its end, now (no waiting).
    private static func readable(_ socket: curl_socket_t) -> Bool {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0 && descriptor.revents != 0
    }

    private func open() throws(ConnectionFailure) {
        guard let handle = curl_easy_init() else { throw ConnectionFailure(description: "libcurl could not create a handle") }
        vl_curl_setopt_ptr(handle, CURLOPT_URL, origin)
        vl_curl_setopt_long(handle, CURLOPT_CONNECT_ONLY, 1)
        vl_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        vl_curl_setopt_long(handle, CURLOPT_TCP_NODELAY, 1)
        vl_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, 2000)
        // The Runtime API is local to the sandbox: a proxy the environment names (http_proxy,
        // ALL_PROXY) is there for the function's own traffic, and would refuse or misroute this.
        vl_curl_setopt_ptr(handle, CURLOPT_PROXY, "")
        let code = curl_easy_perform(handle)
        var socket: curl_socket_t = -1
        guard code == CURLE_OK, vl_curl_getinfo_socket(handle, CURLINFO_ACTIVESOCKET, &socket) == CURLE_OK, socket >= 0 else {
            let message = code == CURLE_OK ? "libcurl connected but has no socket" : String(cString: curl_easy_strerror(code))
            curl_easy_cleanup(handle)
            throw ConnectionFailure(description: "connect to \(origin): \(message)")
        }
        // libcurl leaves its sockets non-blocking; large bodies switch back to that for their send.
        setBlocking(socket, true)
        self.handle = handle
        self.socket = socket
    }

    private func setBlocking(_ socket: curl_socket_t, _ blocking: Bool) {
        let flags = fcntl(socket, F_GETFL)
        _ = fcntl(socket, F_SETFL, blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK)
    }

    private func close() {
        if let handle { curl_easy_cleanup(handle) }
        handle = nil
        socket = -1
    }

    /// Writes all of `bytes`. Watching for an answer (the non-blocking send of a large body), it
    /// stops and returns false when the server starts answering before it took them all.
    @discardableResult
    private func send(_ bytes: [UInt8], watchingForAnswer: Bool = false) throws(ConnectionFailure) -> Bool {
        var offset = 0
        while offset < bytes.count {
            var sent = 0
            let code = bytes.withUnsafeBytes { curl_easy_send(handle, $0.baseAddress! + offset, $0.count - offset, &sent) }
            switch code {
            case CURLE_OK: offset += sent
            case CURLE_AGAIN:
                let events = watchingForAnswer ? Int16(POLLOUT | POLLIN) : Int16(POLLOUT)
                if try wait(for: events) & Int16(POLLIN) != 0 { return false }
            default: throw ConnectionFailure(description: "send: \(String(cString: curl_easy_strerror(code)))")
            }
        }
        return true
    }

    /// Reads one response (skipping 1xx heads); also says whether the connection can carry the next.
    private func receive() throws(ConnectionFailure) -> (HTTPResponse, reusable: Bool) {
        var received = 0
        var head: HTTPResponseFraming.Head?
        var closed = false
        var chunks = HTTPResponseFraming.ChunkedProgress()
        while true {
            if head == nil {
                head = try frame { bytes throws(HTTPFramingError) in try HTTPResponseFraming.head(UnsafeBufferPointer(rebasing: bytes[0..<received])) }
                if let informational = head, informational.isInformational {
                    dropFront(informational.bodyStart, of: &received)
                    head = nil
                    continue
                }
            }
            if let head {
                let start = head.bodyStart
                func response(_ body: [UInt8]) -> HTTPResponse { HTTPResponse(status: head.status, headers: head.headers, body: body) }
                switch head.bodyLength {
                case .none:
                    return (response([]), head.keepAlive && received == start)
                case .exactly(let length):
                    if received >= start + length {
                        return (response(Array(buffer[start..<start + length])), head.keepAlive && received == start + length)
                    }
                    if buffer.count < start + length { buffer += [UInt8](repeating: 0, count: start + length - buffer.count) }
                case .chunked:
                    if let end = try frame({ bytes throws(HTTPFramingError) in try HTTPResponseFraming.chunkedBody(UnsafeBufferPointer(rebasing: bytes[start..<received]), progress: &chunks) }) {
                        return (response(chunks.body), head.keepAlive && start + end == received)
                    }
                case .untilClose:
                    if closed { return (response(Array(buffer[start..<received])), false) }
                }
            }
            if closed {
                throw ConnectionFailure(description: received == 0 ? "the Runtime API closed the connection without answering"
                                                                   : "the Runtime API closed the connection mid-response",
                                        responseStarted: received > 0)
            }
            guard received < HTTPResponseFraming.maximumResponseBytes else {
                throw ConnectionFailure(description: "the Runtime API's response is over \(HTTPResponseFraming.maximumResponseBytes) bytes", responseStarted: true)
            }
            if received == buffer.count { buffer += [UInt8](repeating: 0, count: min(buffer.count, HTTPResponseFraming.maximumResponseBytes - received)) }
            let count = try readSome(at: received)
            if count == 0 { closed = true } else { received += count }
        }
    }

    /// Reads what has arrived into buffer[offset...]: 0 when the server closed the connection.
    private func readSome(at offset: Int) throws(ConnectionFailure) -> Int {
        while true {
            var count = 0
            let code = buffer.withUnsafeMutableBytes { curl_easy_recv(handle, $0.baseAddress! + offset, $0.count - offset, &count) }
            switch code {
            case CURLE_OK: return count
            case CURLE_AGAIN: _ = try wait(for: Int16(POLLIN))
            default:
                throw ConnectionFailure(description: "receive: \(String(cString: curl_easy_strerror(code)))", responseStarted: offset > 0)
            }
        }
    }

    /// Blocks until the socket is ready for `events`, with no time limit: GET next legitimately
    /// waits as long as there is no work (and the sandbox may be frozen meanwhile). Only the
    /// non-blocking sends (large bodies, streamed responses) come here, or a receive right after one.
    private func wait(for events: Int16) throws(ConnectionFailure) -> Int16 {
        var descriptor = pollfd(fd: socket, events: events, revents: 0)
        while true {
            let ready = poll(&descriptor, 1, -1)
            if ready > 0 { return descriptor.revents }
            if ready < 0 && errno != EINTR { throw ConnectionFailure(description: "poll: \(String(cString: strerror(errno)))") }
        }
    }

    private func frame<T>(_ parse: (UnsafeBufferPointer<UInt8>) throws(HTTPFramingError) -> T) throws(ConnectionFailure) -> T {
        do {
            return try buffer.withUnsafeBufferPointer { buffer throws(HTTPFramingError) in try parse(buffer) }
        } catch {
            throw ConnectionFailure(description: "not an HTTP/1.1 response from the Runtime API: \(error)", responseStarted: true)
        }
    }

    private func dropFront(_ count: Int, of received: inout Int) {
        buffer.withUnsafeMutableBytes { bytes in
            let base = bytes.baseAddress!
            memmove(base, base + count, received - count)
        }
        received -= count
    }
}
