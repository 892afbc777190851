// The Runtime API connection against a scripted loopback server: keep-alive reuse, a server that
// closes idle connections, chunked and dribbled answers, Connection: close, an early 413.
import XCTest
@testable import LambdaRuntime
#if canImport(Glibc)
import Glibc
#endif

final class RuntimeAPIConnectionTests: XCTestCase {
    private func request(_ method: String, body: Int = 0) -> (head: [UInt8], body: [UInt8]) {
        let head = "\(method) /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: t\r\n" + (body > 0 ? "Content-Length: \(body)\r\n" : "") + "\r\n"
        return (Array(head.utf8), [UInt8](repeating: 0x61, count: body))
    }

    func testConsecutiveExchangesShareOneConnection() throws {
        let server = try ScriptedHTTPServer { connection in
            while let request = connection.readRequest() {
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: \(request.body.count + 2)\r\n\r\nok" + String(decoding: request.body, as: UTF8.self))
            }
        }
        let connection = RuntimeAPIConnection(hostAndPort: "127.0.0.1:\(server.port)")
        for size in [0, 5, 100_000] {
            let (head, body) = request("POST", body: size)
            let response = try connection.exchange(head: head, body: body)
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.body.count, size + 2)
        }
        XCTAssertEqual(server.connectionsAccepted, 1)
    }

    func testAnIdleConnectionTheServerClosedIsReplacedWithoutAnError() throws {
        // The first connection answers once and closes without saying so; the second keeps going.
        let server = try ScriptedHTTPServer { connection in
            while connection.readRequest() != nil {
                connection.write("HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}")
                if connection.index == 0 { return }
            }
        }
        let connection = RuntimeAPIConnection(hostAndPort: "127.0.0.1:\(server.port)")
        for _ in 0..<3 {
            let (head, body) = request("GET")
            XCTAssertEqual(try connection.exchange(head: head, body: body).status, 202)
        }
        XCTAssertEqual(server.connectionsAccepted, 2)
    }

    func testChunkedAnswerDribbledByteByByteAndAnInformationalHead() throws {
        let answer = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Id: 7\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
        let server = try ScriptedHTTPServer { connection in
            while connection.readRequest() != nil {
                for byte in answer.utf8 { connection.write(String(decoding: [byte], as: UTF8.self)) }
            }
        }
        let connection = RuntimeAPIConnection(hostAndPort: "127.0.0.1:\(server.port)")
        for _ in 0..<2 {
            let (head, body) = request("GET")
            let response = try connection.exchange(head: head, body: body)
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.headers["x-id"], "7")
            XCTAssertEqual(String(decoding: response.body, as: UTF8.self), "abcde")
        }
        XCTAssertEqual(server.connectionsAccepted, 1)
    }

    func testConnectionCloseAndABodyThatEndsWithTheConnection() throws {
        let server = try ScriptedHTTPServer { connection in
            guard connection.readRequest() != nil else { return }
            if connection.index % 2 == 0 {
                connection.write("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\none")
            } else {
                connection.write("HTTP/1.1 200 OK\r\n\r\nuntil the end")
            }
        }
        let connection = RuntimeAPIConnection(hostAndPort: "127.0.0.1:\(server.port)")
        var bodies: [String] = []
        for _ in 0..<4 {
            let (head, body) = request("GET")
            bodies.append(String(decoding: try connection.exchange(head: head, body: body).body, as: UTF8.self))
        }
        XCTAssertEqual(bodies, ["one", "until the end", "one", "until the end"])
        XCTAssertEqual(server.connectionsAccepted, 4)
    }

    func testAServerThatAnswersALargeBodyEarlyIsHeardWithoutDeadlock() throws {
        // Answers 413 after the head and never reads the 32 MB body (more than the socket buffers hold): the client must stop sending.
        let server = try ScriptedHTTPServer { connection in
            guard connection.readHead() != nil else { return }
            connection.write("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n")
            connection.waitForClose()
        }
        let connection = RuntimeAPIConnection(hostAndPort: "127.0.0.1:\(server.port)")
        let (head, body) = request("POST", body: 32 << 20)
        XCTAssertEqual(try connection.exchange(head: head, body: body).status, 413)
    }

    /// A body with no length (read until the connection closes) that never ends is cut off at the
    /// response limit instead of growing the buffer until memory runs out.
    func testAnEndlessBodyIsRefusedAtTheLimit() throws {
        let megabyte = String(repeating: "x", count: 1 << 20)
        let server = try ScriptedHTTPServer { connection in
            guard connection.readRequest() != nil else { return }
            connection.write("HTTP/1.1 200 OK\r\n\r\n")
            for _ in 0..<(HTTPResponseFraming.maximumResponseBytes >> 20) + 8 { connection.write(megabyte) }
        }
        let (head, body) = request("GET")
        XCTAssertThrowsError(try RuntimeAPIConnection(hostAndPort: "127.0.0.1:\(server.port)").exchange(head: head, body: body)) { error in
            XCTAssertTrue("\(error)".contains("response is over \(HTTPResponseFraming.maximumResponseBytes) bytes"), "\(error)")
        }
    }

    private func streamHead() -> [UInt8] {
        Array("POST /2018-06-01/runtime/invocation/r/response HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
    }

    /// A stream goes out as chunks with its trailers, on the connection kept alive; one begun
    /// after the server closed that connection while idle goes on a new one (a send to the closed
    /// one succeeds, and the stream was lost at its answer).
    func testAStreamOnAConnectionTheServerClosedWhileIdleGoesOnANewOne() throws {
        let received = LockedBox<[(data: [UInt8], trailers: [String])]>([])
        let server = try ScriptedHTTPServer { connection in
            if connection.index == 0 {
                guard connection.readRequest() != nil else { return }
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
                return
            }
            while connection.readHead() != nil, let body = connection.readChunkedBody() {
                received.mutate { $0.append(body) }
                connection.write("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
            }
        }
        let connection = RuntimeAPIConnection(hostAndPort: "127.0.0.1:\(server.port)")
        let (head, body) = request("GET")
        XCTAssertEqual(try connection.exchange(head: head, body: body).status, 200)
        usleep(200_000)  // the server's end of the first connection is closed by now
        XCTAssertNil(try connection.beginStream(head: streamHead(), firstChunk: Array("abc".utf8)))
        XCTAssertNil(try connection.sendChunk(Array("de".utf8)))
        XCTAssertEqual(try connection.endStream(trailers: Array("X-Trailer: 1\r\n".utf8)).status, 202)
        XCTAssertNil(try connection.beginStream(head: streamHead(), firstChunk: nil))
        XCTAssertEqual(try connection.endStream(trailers: []).status, 202)
        XCTAssertEqual(server.connectionsAccepted, 2)
        XCTAssertEqual(received.value.map { String(decoding: $0.data, as: UTF8.self) }, ["abcde", ""])
        XCTAssertEqual(received.value.map(\.trailers), [["X-Trailer: 1"], []])
    }

    /// A server that refuses a stream answers before its end and closes: the answer is what the
    /// next part gets back (it was lost, and the send's failure ended the process as a 500 does).
    func testAnAnswerBeforeTheStreamsEndIsReturned() throws {
        let server = try ScriptedHTTPServer { connection in
            guard connection.readHead() != nil else { return }
            connection.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 7\r\nConnection: close\r\n\r\nunknown")
        }
        let connection = RuntimeAPIConnection(hostAndPort: "127.0.0.1:\(server.port)")
        let first = try connection.beginStream(head: streamHead(), firstChunk: Array("abc".utf8))
        usleep(200_000)  // the server has answered and closed by now
        let answer = try XCTUnwrap(first ?? connection.sendChunk(Array("de".utf8)))
        XCTAssertEqual(answer.status, 400)
        XCTAssertEqual(String(decoding: answer.body, as: UTF8.self), "unknown")
    }

    func testGarbageAndRefusedConnectionsAreFailuresThatSaySo() throws {
        let server = try ScriptedHTTPServer { connection in
            guard connection.readRequest() != nil else { return }
            connection.write("SSH-2.0-OpenSSH_9.2\r\n\r\n")
        }
        let (head, body) = request("GET")
        XCTAssertThrowsError(try RuntimeAPIConnection(hostAndPort: "127.0.0.1:\(server.port)").exchange(head: head, body: body)) { error in
            XCTAssertTrue("\(error)".contains("not an HTTP/1.1 response from the Runtime API: malformed status line"), "\(error)")
        }
        XCTAssertThrowsError(try RuntimeAPIConnection(hostAndPort: "127.0.0.1:1").exchange(head: head, body: body)) { error in
            XCTAssertTrue("\(error)".contains("connect to http://127.0.0.1:1"), "\(error)")
        }
    }
}

/// A loopback server (127.0.0.1, a free port) that runs `script` for every connection it accepts,
/// each on its own thread; stopped and its sockets closed when the test's reference goes away.
final class ScriptedHTTPServer: @unchecked Sendable {
    final class Connection {
        let descriptor: Int32
        /// 0 for the first connection accepted, then 1, 2, ...
        let index: Int
        private var pending: [UInt8] = []

        init(descriptor: Int32, index: Int) {
            self.descriptor = descriptor
            self.index = index
        }

        /// The next request's head, or nil when the client closed the connection.
        func readHead() -> String? {
            while true {
                if let end = pending.firstRange(of: Array("\r\n\r\n".utf8)) {
                    let head = String(decoding: pending[..<end.upperBound], as: UTF8.self)
                    pending.removeSubrange(..<end.upperBound)
                    return head
                }
                guard fill() else { return nil }
            }
        }

        /// The next request with its Content-Length body.
        func readRequest() -> (head: String, body: [UInt8])? {
            guard let head = readHead() else { return nil }
            let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            while pending.count < length { guard fill() else { return nil } }
            let body = Array(pending[..<length])
            pending.removeSubrange(..<length)
            return (head, body)
        }

        func write(_ text: String) {
            let bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
                if sent <= 0 { return }
                offset += sent
            }
        }

        /// The chunked body after a head: its chunks' data joined, and its trailer lines.
        func readChunkedBody() -> (data: [UInt8], trailers: [String])? {
            func line() -> String? {
                while true {
                    if let end = pending.firstRange(of: [0x0D, 0x0A]) {
                        let text = String(decoding: pending[..<end.lowerBound], as: UTF8.self)
                        pending.removeSubrange(..<end.upperBound)
                        return text
                    }
                    guard fill() else { return nil }
                }
            }
            var data: [UInt8] = []
            while let sizeLine = line(), let size = Int(sizeLine, radix: 16) {
                if size == 0 {
                    var trailers: [String] = []
                    while let trailer = line(), !trailer.isEmpty { trailers.append(trailer) }
                    return (data, trailers)
                }
                while pending.count < size + 2 { guard fill() else { return nil } }
                data += pending[..<size]
                pending.removeSubrange(..<(size + 2))
            }
            return nil
        }

        /// Holds the connection open, reading nothing, until the client hangs up or 2 s pass.
        func waitForClose() {
            let readHangUp: Int16 = 0x2000  // POLLRDHUP, which the Glibc module does not export
            var descriptor = pollfd(fd: self.descriptor, events: readHangUp, revents: 0)
            _ = poll(&descriptor, 1, 2_000)
        }

        private func fill() -> Bool {
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return false }
            pending += chunk[..<count]
            return true
        }
    }

    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var accepted = 0

    var connectionsAccepted: Int { lock.withLock { accepted } }

    init(script: @escaping (Connection) -> Void) throws {
        let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        listener = listening
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listening, $0, length) == 0 && getsockname(listening, $0, &length) == 0 }
        }
        guard bound, listen(listening, 16) == 0 else {
            close(listening)
            throw POSIXError(.EADDRINUSE)
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [weak self] in
            while true {
                let descriptor = accept(listening, nil, nil)
                guard descriptor >= 0, let self else { return }
                let index = self.lock.withLock { () -> Int in
                    defer { self.accepted += 1 }
                    return self.accepted
                }
                Thread.detachNewThread {
                    script(Connection(descriptor: descriptor, index: index))
                    close(descriptor)
                }
            }
        }
    }

    deinit {
        // Unblocks the accept loop, which then ends.
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}

/// A value that the server's threads and the test share.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func mutate(_ change: (inout Value) -> Void) { lock.withLock { change(&stored) } }
}
