// The request collector's flow control on a streamed response, driven part by part on an
// EmbeddedChannel so that each step is seen in the order the test chooses (over a socket, where
// NIO's reads split the bytes decides which case a run exercises).
import XCTest
import NIOCore
import NIOEmbedded
import NIOHTTP1
@testable import LambdaEmulator

final class RequestCollectorTests: XCTestCase {
    /// A collector on an EmbeddedChannel whose streamed bodies go to a receiver that never finishes
    /// delivering (a caller that reads nothing); the requests routed are kept.
    private final class Harness {
        let channel = EmbeddedChannel()
        var routed: [HTTPRequest] = []
        var deliveries: [EventLoopPromise<Void>] = []

        init() throws {
            let loop = channel.eventLoop
            let collector = HTTPRequestCollector(bodyLimit: 1 << 20, budget: nil, throttle: { _ in }, connectionTag: 1,
                                                 observeBody: { [unowned self] head, _ in
                                                     guard head.method == .POST else { return nil }
                                                     return { _ in
                                                         let promise = loop.makePromise(of: Void.self)
                                                         self.deliveries.append(promise)
                                                         return promise.futureResult
                                                     }
                                                 },
                                                 route: { [unowned self] request, _ in routed.append(request) })
            try channel.pipeline.syncOperations.addHandler(collector)
        }

        /// The value the collector last gave the channel's autoRead (nil: it never set it).
        var autoRead: Bool? {
            channel.options.last { $0.option is ChannelOptions.Types.AutoReadOption }?.value as? Bool
        }

        func send(_ part: HTTPServerRequestPart) throws { try channel.writeInbound(part) }

        func streamHead() throws {
            var headers = HTTPHeaders()
            headers.add(name: "Transfer-Encoding", value: "chunked")
            headers.add(name: "Lambda-Runtime-Function-Response-Mode", value: "streaming")
            try send(.head(HTTPRequestHead(version: .http1_1, method: .POST, uri: "/2018-06-01/runtime/invocation/a/response", headers: headers)))
        }

        func body(_ count: Int) throws { try send(.body(ByteBuffer(repeating: 0x61, count: count))) }

        func getNext() throws {
            try send(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/2018-06-01/runtime/invocation/next")))
            try send(.end(nil))
        }
    }

    /// Past the high-water mark the connection stops reading, and it reads again once the caller has
    /// taken enough.
    func testAStreamPausesReadingPastTheHighWaterMarkAndResumesBelowTheLowOne() throws {
        let harness = try Harness()
        try harness.streamHead()
        try harness.body(HTTPRequestCollector.streamHighWater)
        XCTAssertNil(harness.autoRead, "at the mark itself reading goes on")
        try harness.body(1)
        XCTAssertEqual(harness.autoRead, false, "one byte past the mark pauses reading")
        // The first part delivered leaves a single byte in flight: under the low-water mark.
        harness.deliveries.first?.succeed(())
        XCTAssertEqual(harness.autoRead, true)
        harness.deliveries.dropFirst().forEach { $0.succeed(()) }
    }

    /// A stream whose end arrives while reading is paused (its last parts were in the same read)
    /// lets the connection read again at once: the runtime's next request is not held until a
    /// caller that has all it will get reads it. Without that, a runtime whose caller reads slowly
    /// waits in its GET next for the caller, not for work.
    func testTheEndOfAStreamResumesReadingThoughItsCallerHasReadNothing() throws {
        let harness = try Harness()
        try harness.streamHead()
        try harness.body(HTTPRequestCollector.streamHighWater + 1)
        XCTAssertEqual(harness.autoRead, false)
        try harness.send(.end(nil))
        XCTAssertEqual(harness.autoRead, true, "the stream has ended: the connection reads again")
        XCTAssertEqual(harness.routed.map(\.path), ["/2018-06-01/runtime/invocation/a/response"])
        try harness.getNext()
        XCTAssertEqual(harness.routed.map(\.path).last, "/2018-06-01/runtime/invocation/next")
        // The ended stream's deliveries finishing late count for it only: they neither pause the
        // connection again nor touch the next stream's count.
        try harness.streamHead()
        try harness.body(HTTPRequestCollector.streamHighWater)
        harness.deliveries.first?.succeed(())
        XCTAssertEqual(harness.autoRead, true)
        try harness.body(1)
        XCTAssertEqual(harness.autoRead, false, "the new stream's own bytes in flight pause it")
        harness.deliveries.dropFirst().forEach { $0.succeed(()) }
        XCTAssertEqual(harness.autoRead, true)
    }
}
