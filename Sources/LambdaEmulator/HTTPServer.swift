// A small HTTP/1.1 server on SwiftNIO: whole requests in, one responder per request out.
import NIOCore
import NIOHTTP1
import NIOPosix

/// A request with its body read (up to a limit).
struct HTTPRequest {
    let method: HTTPMethod
    let path: String
    let headers: HTTPHeaders
    let body: [UInt8]
    /// The body passed the server's limit; `body` is then empty.
    let bodyTooLarge: Bool
    /// The body's size: the bytes received, or the declared Content-Length of one refused before it was sent.
    let bodyBytes: Int
    /// What the listener's `tagConnection` gave the request's connection when it was accepted.
    var connectionTag = 0
    /// The target's query, after its "?" ("" for none).
    var query = ""
    /// The trailer fields after a chunked body (a streamed response's error), when it had any.
    var trailers: HTTPHeaders? = nil
}

/// Answers one request, now or later (a long-polled GET next is answered when work arrives).
/// Used on the server's event loop only.
final class HTTPResponder: @unchecked Sendable {
    private let context: ChannelHandlerContext
    private let keepAlive: Bool
    /// Without keep-alive: close once the answer is written. False when the request's body is still
    /// arriving: closing with unread bytes would reset the connection before the client reads the
    /// answer, so the collector closes it at the request's end instead.
    private let closesWhenWritten: Bool
    private(set) var answered = false
    /// A streamed answer has begun and not ended.
    private var streaming = false

    init(context: ChannelHandlerContext, keepAlive: Bool, closesWhenWritten: Bool = true) {
        self.context = context
        self.keepAlive = keepAlive
        self.closesWhenWritten = closesWhenWritten
    }

    var isConnected: Bool { context.channel.isActive }

    /// Runs `body` on the connection's loop when the connection closes (at once if it has).
    func onClose(_ body: @escaping @Sendable () -> Void) {
        context.channel.closeFuture.whenComplete { _ in body() }
    }

    /// `onWriteFailure` runs (on the loop) when the answer could not be written: the connection
    /// went away first, or the answer was refused (a header value NIO will not write), and the
    /// client never got it. The connection is then closed, so that a client still on it does not
    /// wait for an answer that will not come.
    func respond(_ status: HTTPResponseStatus, headers: [(String, String)] = [], body: [UInt8] = [],
                 onWriteFailure: (() -> Void)? = nil) {
        guard !answered else { return }
        answered = true
        var head = HTTPResponseHead(version: .http1_1, status: status)
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        head.headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
        if !keepAlive { head.headers.replaceOrAdd(name: "Connection", value: "close") }
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        if !body.isEmpty {
            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let done = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
        done.whenFailure { [context] _ in
            context.close(promise: nil)
            onWriteFailure?()
        }
        if !keepAlive && closesWhenWritten { done.whenComplete { [context] _ in context.close(promise: nil) } }
    }

    /// Starts an answer whose body follows in parts (`stream`), chunked; `endStream` ends it.
    func beginStream(_ status: HTTPResponseStatus, headers: [(String, String)]) {
        guard !answered else { return }
        answered = true
        streaming = true
        var head = HTTPResponseHead(version: .http1_1, status: status)
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        head.headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked")
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
    }

    /// Sends one part of a streamed answer at once; the future completes when it is written to the
    /// connection (nil: nothing to send).
    @discardableResult
    func stream(_ bytes: [UInt8]) -> EventLoopFuture<Void>? {
        guard streaming, !bytes.isEmpty else { return nil }
        return context.writeAndFlush(NIOAny(HTTPServerResponsePart.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))))
    }

    /// Ends a streamed answer.
    func endStream() {
        guard streaming else { return }
        streaming = false
        let done = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
        done.whenFailure { [context] _ in context.close(promise: nil) }
        if !keepAlive && closesWhenWritten { done.whenComplete { [context] _ in context.close(promise: nil) } }
    }

    /// JSON with a status, the shape of the Runtime API's own answers.
    func respondJSON(_ status: HTTPResponseStatus, _ json: String) {
        respond(status, headers: [("Content-Type", "application/json")], body: Array(json.utf8))
    }

    /// Closes the connection without an answer (fault injection: a dropped connection).
    func drop() {
        answered = true
        context.close(promise: nil)
    }

    /// Closes the connection but leaves the answer to be tried (fault injection: a connection that
    /// goes away while its answer is written).
    func closeUnanswered() {
        context.close(promise: nil)
    }
}

/// Collects head and body parts into an `HTTPRequest` and hands it to the route.
final class HTTPRequestCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let bodyLimit: Int
    /// Bounds the bodies arriving on all connections at once (nil: no bound); `throttle` answers a
    /// request that would pass it.
    private let budget: ReceivingBudget?
    private let throttle: (HTTPResponder) -> Void
    /// Bytes of the current body taken from `budget`: its declared length, or what has arrived of
    /// one without; given back when the request ends (its body handed on) or the connection closes.
    private var reserved = 0
    /// A request refused while its body arrives: the rest is read and dropped, then the connection
    /// is closed.
    private var closeAtEnd = false
    private let route: (HTTPRequest, HTTPResponder) -> Void
    /// Asked at each request's head for a receiver of its body's parts as they arrive: a streamed
    /// response passed on to its caller while it is posted. Such a body is not kept whole (the
    /// request arrives with an empty one), may be as long as `streamedBodyLimit`, and is not closed
    /// as stalled when it pauses (a function may stream for as long as its timeout).
    private let observeBody: BodyObserver?
    /// Lambda's limit on a streamed response: 200 MB.
    static let streamedBodyLimit = 200 * 1024 * 1024
    /// The current request's receiver of body parts, if `observeBody` gave one.
    private var bodyReceiver: BodyReceiver?
    /// Bytes of the current streamed body passed on and not yet written to their caller's
    /// connection. Past `streamHighWater` this connection stops reading (the runtime's sends block,
    /// as Lambda's would for a caller that reads slowly) until they are down to `streamLowWater`,
    /// or the stream has ended: the runtime's next request is not held for a caller that has all
    /// it will get, read or not.
    private var streamedInFlight = 0
    private var readingPaused = false
    /// Which streamed body the deliveries belong to: one finishing late counts for its own only.
    private var streamNumber = 0
    static let streamHighWater = 4 << 20
    static let streamLowWater = 1 << 20
    /// The connection's tag, given when it was accepted: every request on it carries it.
    private let connectionTag: Int
    /// Requests whose head has arrived on this connection.
    private var requestsBegun = 0
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    /// Body bytes received for the current request; past `bodyLimit` the body is too large.
    private var receivedBytes = 0
    /// The request was answered from its head (see `.head`): its body parts are dropped.
    private var answeredFromHead = false

    /// Takes one part of a body as it arrives; returns the future of its delivery (nil: none pending).
    typealias BodyReceiver = ([UInt8]) -> EventLoopFuture<Void>?
    /// Given a request's head and its connection's tag: where its body's parts go as they arrive, or nil.
    typealias BodyObserver = (HTTPRequestHead, Int) -> BodyReceiver?

    init(bodyLimit: Int, budget: ReceivingBudget?, throttle: @escaping (HTTPResponder) -> Void, connectionTag: Int = 0,
         observeBody: BodyObserver? = nil, route: @escaping (HTTPRequest, HTTPResponder) -> Void) {
        self.connectionTag = connectionTag
        self.observeBody = observeBody
        self.bodyLimit = bodyLimit
        self.budget = budget
        self.throttle = throttle
        self.route = route
    }

    /// Takes `bytes` more for the current body from the budget; false when they do not fit.
    private func take(_ bytes: Int) -> Bool {
        guard let budget else { return true }
        guard budget.reserve(bytes, holding: reserved) else { return false }
        reserved += bytes
        return true
    }

    private func releaseReserved() {
        budget?.release(reserved)
        reserved = 0
    }

    /// Throttles the current request: answered now, its body (if it is coming) dropped.
    private func refuse(context: ChannelHandlerContext, bodyComing: Bool) {
        head = nil
        body = []
        answeredFromHead = true
        releaseReserved()
        closeAtEnd = bodyComing
        throttle(HTTPResponder(context: context, keepAlive: false, closesWhenWritten: !bodyComing))
    }

    func channelInactive(context: ChannelHandlerContext) {
        releaseReserved()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            requestsBegun += 1
            head = requestHead
            body = []
            receivedBytes = 0
            answeredFromHead = false
            releaseReserved()
            bodyReceiver = observeBody?(requestHead, connectionTag)
            if bodyReceiver != nil {
                streamNumber &+= 1
                streamedInFlight = 0
            }
            // A body whose length is declared holds it from the start: a slow sender holds what
            // it will send. One that does not fit is refused before it is sent, where the client
            // waits for 100 Continue.
            let declared = requestHead.headers.first(name: "content-length").flatMap { Int($0) } ?? 0
            if declared > 0, declared <= bodyLimit, !take(declared) {
                return refuse(context: context, bodyComing: !Self.expectsContinue(requestHead))
            }
            // A client that asks first (curl does for bodies over 1 MB) waits for 100 Continue, a
            // second by itself otherwise (NIO sends none). One whose body is over the limit is
            // answered 413 now, without sending it, and the connection closed.
            guard Self.expectsContinue(requestHead) else { return }
            guard declared > bodyLimit else {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: requestHead.version, status: .continue))), promise: nil)
                return
            }
            head = nil
            answeredFromHead = true
            route(HTTPRequest(method: requestHead.method, path: Self.path(of: requestHead), headers: requestHead.headers, body: [], bodyTooLarge: true,
                              bodyBytes: declared, connectionTag: connectionTag),
                  HTTPResponder(context: context, keepAlive: false))
        case .body where answeredFromHead:
            break
        case .body(let buffer) where bodyReceiver != nil:
            receivedBytes += buffer.readableBytes
            if receivedBytes <= Self.streamedBodyLimit, let delivered = bodyReceiver?(Array(buffer.readableBytesView)) {
                holdBack(buffer.readableBytes, until: delivered, context: context)
            }
        case .body(let buffer):
            // Past the limit the rest is read and discarded, so the answer (413) can still be sent;
            // nothing more is kept (later small chunks would make a splice of pieces).
            receivedBytes += buffer.readableBytes
            if receivedBytes > bodyLimit {
                body = []
                releaseReserved()
            } else if receivedBytes <= reserved || take(receivedBytes - reserved) {
                body.append(contentsOf: buffer.readableBytesView)
            } else {
                // Too many bodies arriving at once: this request is throttled, its connection closed.
                refuse(context: context, bodyComing: true)
            }
        case .end(let trailers):
            if closeAtEnd {
                closeAtEnd = false
                context.close(promise: nil)
                return
            }
            let limit = bodyReceiver == nil ? bodyLimit : Self.streamedBodyLimit
            if bodyReceiver != nil { resumeReading(context) }
            bodyReceiver = nil
            guard let head else { return }
            self.head = nil
            let request = HTTPRequest(method: head.method, path: Self.path(of: head), headers: head.headers, body: body,
                                      bodyTooLarge: receivedBytes > limit, bodyBytes: receivedBytes, connectionTag: connectionTag,
                                      query: Self.query(of: head), trailers: trailers)
            body = []
            // Received: from here the queue's own bound (or the invocation) accounts for the body.
            releaseReserved()
            // After an upgrade (or CONNECT) NIO's decoder stops parsing and keeps every byte that
            // follows: such a request is refused and its connection closed at once.
            guard !Self.isUpgrade(head) else {
                return HTTPResponder(context: context, keepAlive: false)
                    .respondJSON(.badRequest, #"{"errorMessage":"protocol upgrades and CONNECT are not supported","errorType":"InvalidRequest"}"#)
            }
            route(request, HTTPResponder(context: context, keepAlive: head.isKeepAlive))
        }
    }
}

extension HTTPRequestCollector {
    /// Counts `count` streamed bytes as in flight until `delivered`, reading no more from this
    /// connection while too many are.
    private func holdBack(_ count: Int, until delivered: EventLoopFuture<Void>, context: ChannelHandlerContext) {
        streamedInFlight += count
        if streamedInFlight > Self.streamHighWater, !readingPaused {
            readingPaused = true
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        }
        let stream = streamNumber
        // Back on this connection's loop (the caller's may be another's).
        delivered.hop(to: context.eventLoop).whenComplete { [self, context] _ in
            guard stream == streamNumber else { return }
            streamedInFlight -= count
            if streamedInFlight <= Self.streamLowWater { resumeReading(context) }
        }
    }

    /// Reads again, when reading was paused; turning autoRead back on starts a read.
    private func resumeReading(_ context: ChannelHandlerContext) {
        guard readingPaused else { return }
        readingPaused = false
        context.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
    }

    /// Nothing read for the stalled-request time (IdleStateHandler): a connection whose request is
    /// unfinished (but for a streamed response, which pauses as its function does), or that has
    /// sent no whole request head yet, is closed. One waiting for its answer or idle between
    /// requests is left alone (a runtime's connection is idle for the
    /// length of each invocation, a caller's while its invocation runs).
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read else {
            return context.fireUserInboundEventTriggered(event)
        }
        if (head != nil && bodyReceiver == nil) || requestsBegun == 0 || closeAtEnd { context.close(promise: nil) }
    }

    static func path(of head: HTTPRequestHead) -> String {
        String(head.uri.split(separator: "?", maxSplits: 1).first ?? "")
    }

    static func query(of head: HTTPRequestHead) -> String {
        head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).dropFirst().first.map(String.init) ?? ""
    }

    static func expectsContinue(_ head: HTTPRequestHead) -> Bool {
        // HTTP/1.0 has no 100 Continue: such a client does not wait for one.
        (head.version.major, head.version.minor) >= (1, 1) && head.headers[canonicalForm: "expect"].contains { $0.lowercased() == "100-continue" }
    }

    /// A request the HTTP parser treats as the end of HTTP on its connection.
    static func isUpgrade(_ head: HTTPRequestHead) -> Bool {
        head.method == .CONNECT || (head.headers.contains(name: "upgrade")
            && head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "upgrade" })
    }
}

enum HTTPServer {
    /// Binds `host:port` (0: a free port) on `group`; each connection gets its own collector, which
    /// closes it when its request stalls for `stalledRequestSeconds`.
    /// `budget` bounds the bodies arriving on all its connections at once, `throttle` answering a
    /// request that would pass it; nil for listeners whose clients the emulator started itself.
    /// `tagConnection` runs on the connection's loop as it is accepted; its value is each of its
    /// requests' `connectionTag`.
    static func bind(group: EventLoopGroup, host: String, port: Int, bodyLimit: Int, budget: ReceivingBudget?,
                     throttle: @escaping (HTTPResponder) -> Void = { _ in }, stalledRequestSeconds: Double,
                     tagConnection: @escaping @Sendable () -> Int = { 0 },
                     observeBody: HTTPRequestCollector.BodyObserver? = nil,
                     route: @escaping (HTTPRequest, HTTPResponder) -> Void) -> EventLoopFuture<Channel> {
        ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                // On the channel's loop: the handlers are added in place, not sent across threads.
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(IdleStateHandler(readTimeout: .milliseconds(Int64(stalledRequestSeconds * 1000))))
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                    try pipeline.addHandler(HTTPRequestCollector(bodyLimit: bodyLimit, budget: budget, throttle: throttle,
                                                                 connectionTag: tagConnection(), observeBody: observeBody, route: route))
                }
            }
            .bind(host: host, port: port)
    }
}
