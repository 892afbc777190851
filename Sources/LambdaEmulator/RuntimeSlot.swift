// One emulated sandbox: its own Runtime API listener, the runtime process using it, and its state.
import NIOCore

/// An invocation handed to the emulator and not yet answered.
// @unchecked Sendable: created and completed on the emulator's event loop only.
final class PendingInvocation: @unchecked Sendable {
    let requestID: String
    let event: [UInt8]
    let options: InvocationOptions
    let promise: EventLoopPromise<InvocationResult>
    /// Its place in the order invocations arrived in (the queue keeps that order).
    let arrival: Int
    var timeout: Scheduled<Void>?
    /// Called with the result, and whether the runtime posted it, just before the caller gets it
    /// (the platform log's REPORT status).
    var onComplete: ((InvocationResult, _ answeredByRuntime: Bool) -> Void)?
    /// The runtime posted the result (a response or its error), rather than the emulator ending it.
    var answeredByRuntime = false
    /// Set when first handed to a runtime: the deadline its headers carry (ms since the epoch) and
    /// the same moment on the loop's clock, which ends it.
    var deadline: (epochMs: Int64, loopTime: NIODeadline)?
    /// The event could not be written to the runtime's GET next (its connection broke): the runtime
    /// gets it when it asks again, or the invocation fails with its exit or at its deadline.
    var undelivered = false
    /// The end of its log, when its caller asked for it.
    let logTail: InvocationLogTail?
    /// Its START is written: its REPORT, when written, finishes the tail.
    var reportOpened = false
    /// Where a streamed response goes as the runtime posts it, for an InvokeWithResponseStream caller.
    let responseStream: ResponseStream?

    init(requestID: String, event: [UInt8], options: InvocationOptions, promise: EventLoopPromise<InvocationResult>, arrival: Int,
         logTail: InvocationLogTail? = nil, responseStream: ResponseStream? = nil) {
        self.responseStream = responseStream
        self.arrival = arrival
        self.requestID = requestID
        self.event = event
        self.options = options
        self.promise = promise
        self.logTail = logTail
        logTail?.taken = true
    }

    func complete(_ result: InvocationResult) {
        timeout?.cancel()
        onComplete?(result, answeredByRuntime)
        onComplete = nil
        // Without a START (withdrawn, shut down, no platform log) there is no log to wait for.
        if !reportOpened { logTail?.finish() }
        promise.succeed(result)
    }
}

/// Caller-side metadata Lambda passes through to the runtime's headers.
public struct InvocationOptions: Sendable {
    public var clientContext: String?
    public var cognitoIdentity: String?
    public var tenantID: String?
    public var traceID: String?
    /// The version or alias the caller named: the ARN the runtime is told was invoked carries it.
    public var qualifier: String?

    public init(clientContext: String? = nil, cognitoIdentity: String? = nil, tenantID: String? = nil, traceID: String? = nil,
                qualifier: String? = nil) {
        self.clientContext = clientContext
        self.cognitoIdentity = cognitoIdentity
        self.tenantID = tenantID
        self.traceID = traceID
        self.qualifier = qualifier
    }
}

/// A sandbox. Lives on the emulator's event loop: only that loop reads or changes it.
// @unchecked Sendable: confined to the emulator's single event loop, which serializes every access.
final class RuntimeSlot: @unchecked Sendable {
    enum State {
        /// A process was started and has not asked for work yet; an init error lands here.
        case initializing
        /// The runtime waits in GET next; this responder hands it the next invocation.
        case idle(HTTPResponder)
        /// The runtime serves this invocation.
        case busy(PendingInvocation)
        /// The runtime answered and has not asked for the next invocation yet.
        case ready
        /// No process: it exited or was killed. Started again when work needs it.
        case stopped
    }

    let index: Int
    /// The Runtime API address of the current process (and of the processes before it that found
    /// no spare ready).
    var listener: RuntimeListener?
    /// Bound for the next process (nil while its bind runs, and for an external runtime).
    var spare: RuntimeListener?
    /// The spare's bind has not finished.
    var bindingSpare = false
    var process: RuntimeProcess?
    var state: State = .stopped
    /// Bumped at each process start, so that the exit of a replaced process is ignored.
    var generation = 0
    /// In tenant isolation mode, the tenant the current process serves: the one of its first
    /// invocation, for the rest of its life (nil until then, and for a new process).
    var tenant: String?
    /// When the current process was last handed an invocation: of two idle runtimes, the one to
    /// replace for another tenant is the one idle longest.
    var lastHandedWork = NIODeadline.distantPast
    /// The error the runtime posted to /runtime/init/error: the INIT_REPORT's, and the answer of an
    /// invocation whose invoke-phase init this was.
    var initError: InvocationResult?
    /// The invocation in whose invoke phase the current process's init runs: the init before it
    /// failed while it waited, and Lambda tries again within the invocation (its START written,
    /// its timeout running). Handed to the process at its first GET next; nil for an ordinary init.
    var invokePhaseInit: PendingInvocation?
    /// The last process failed its init with no invocation to try it again for: the next
    /// invocation this slot starts a process for has the init tried in its invoke phase at once.
    var initFailedBeforeWork = false
    /// How long the current process's init had run when it posted that error: its Init Duration
    /// (a runtime that lingers before it exits does not lengthen it).
    var initErrorAfterMs: Double?
    /// When the current process was started, until its first GET next (its cold start) is recorded.
    var startedAt: NIODeadline?
    /// The current process's init (start to first GET next) in ms, until the REPORT of the first
    /// invocation it serves carries it as Init Duration.
    var unreportedInitMs: Double?
    /// The invocation whose START the platform log wrote and whose REPORT it has not yet.
    var openReport: OpenPlatformReport?
    /// Ends an init that outlasts its limit (EmulatorConfiguration.initTimeoutSeconds); cancelled by
    /// the first GET next.
    var initTimeout: Scheduled<Void>?
    /// Ends a runtime that answered but has not asked for the next invocation by the answered one's
    /// deadline (Lambda's timeout covers the invoke phase until the next GET next); cancelled by it.
    var answeredTimeout: Scheduled<Void>?
    /// How the invocations this slot ended recently ended, by request id: a post for one of them is
    /// refused saying why ("already answered", "timed out"), not as an unknown id.
    private(set) var ended: [(requestID: String, how: String)] = []

    init(index: Int) { self.index = index }

    var isIdle: Bool { if case .idle = state { return true } else { return false } }
    var isStopped: Bool { if case .stopped = state { return true } else { return false } }
    /// A process in its init phase, not yet bound to an invocation: it may take any that waits.
    var isStartingFresh: Bool { if case .initializing = state { return invokePhaseInit == nil } else { return false } }

    static let answered = "was already answered"

    func recordEnd(_ requestID: String, _ how: String = answered) {
        ended.append((requestID, how))
        if ended.count > 64 { ended.removeFirst(ended.count - 64) }
    }

    /// How invocation `requestID` ended, if this slot ended it recently.
    func ending(of requestID: String) -> String? {
        ended.last { $0.requestID == requestID }?.how
    }
}
