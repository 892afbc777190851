// The end of one invocation's log, for a synchronous caller that asked for it with
// X-Amz-Log-Type: Tail: its START line, what the runtime wrote, END and REPORT, as Lambda returns
// them (base64, in X-Amz-Log-Result).
import NIOCore

// @unchecked Sendable: filled and finished on the emulator's event loop only.
final class InvocationLogTail: @unchecked Sendable {
    /// Lambda returns the last 4 KB of the log.
    static let limit = 4096

    private var bytes: [UInt8] = []
    private let promise: EventLoopPromise<[UInt8]>
    private var finished = false
    /// Whether an invocation took it. One the emulator refused before queueing it (throttled, a bad
    /// header) has no log to wait for.
    var taken = false

    init(on loop: EventLoop) { promise = loop.makePromise() }

    /// The tail, once the invocation's REPORT is written (or at once, for one that never started).
    var result: EventLoopFuture<[UInt8]> { promise.futureResult }

    func append(_ line: String) { append(Array((line + "\n").utf8)) }

    func append(_ output: [UInt8]) {
        bytes += output
        if bytes.count > 2 * Self.limit { bytes.removeFirst(bytes.count - Self.limit) }
    }

    /// Gives the caller the last `limit` bytes. Later calls do nothing.
    func finish() {
        guard !finished else { return }
        finished = true
        promise.succeed(Array(bytes.suffix(Self.limit)))
    }
}
