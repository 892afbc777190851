// The emulator's public face: start it, invoke through it, inject faults, shut it down.
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A Lambda emulator: the Runtime API for runtime child processes, and the RIE-compatible invoke
/// endpoint for callers. All state lives on one event loop, so nothing needs a lock.
public final class LambdaEmulator: @unchecked Sendable {
    /// Lambda's limit on an invocation request ("Request must be smaller than 6291456 bytes").
    public static let requestLimit = 6_291_456
    /// Lambda's limit on what a runtime posts: 100 bytes more than a request may carry.
    public static let responseLimit = 6_291_556

    /// One-shot faults for tests of how runtimes cope with a misbehaving API.
    public enum Fault: Sendable {
        /// The next GET next answers 500.
        case nextReturns500
        /// The next GET next has its connection closed without an answer.
        case dropNextConnection
        /// The next posted response answers 413, as for an oversize payload.
        case rejectNextResponseWith413
        /// The next event handed to a runtime finds its GET next connection closing as it is written.
        case closeWhileHandingOver
    }

    public let configuration: EmulatorConfiguration
    let group: MultiThreadedEventLoopGroup
    let loop: EventLoop
    let inheritedEnvironment: [String: String]
    var slots: [RuntimeSlot] = []
    var queue = InvocationQueue()
    var pendingFaults: [Fault] = []
    var violations: [String] = []
    var coldStarts: [Double] = []
    /// The REPORTs the platform log has written, summed up.
    var reportSummary = ReportSummary()
    var started: [Int32] = []
    /// Invocations submitted so far: each one's number is its place in the queue's order.
    var arrivals = 0
    var invokeListener: Channel?
    /// The bound on request bodies still arriving at the invoke endpoint. (Not the Runtime API's:
    /// its clients are the runtimes, and a refused answer would be lost.)
    let receivingBudget: ReceivingBudget
    var isShutDown = false
    /// Failed Event invocations waiting for their retry, by request id (cancelled at shutdown).
    var eventRetries: [String: Scheduled<Void>] = [:]
    /// Keeps work off the loop once it has stopped (set only after the runtimes have been stopped).
    let loopGate = LoopGate()
    /// Replaced processes' Runtime API listeners, oldest first (see `retiredListenersKept`).
    var retiredListeners: [RuntimeListener] = []
    /// The slots' current Runtime API ports, published by the loop for `runtimeAPIAddresses`.
    let runtimeAPIPorts = Mutex<[Int]>([])
    /// The one shutdown, which every call to `shutdown` waits for.
    private let shutdownTask = Mutex<Task<Void, Never>?>(nil)

    private init(configuration: EmulatorConfiguration) {
        self.configuration = configuration
        self.receivingBudget = ReceivingBudget(limit: configuration.maximumReceivingBytes)
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.loop = group.next()
        self.inheritedEnvironment = ProcessInfo.processInfo.environment
    }

    /// Binds the invoke endpoint and one Runtime API listener per runtime, then starts the runtimes.
    public static func start(_ configuration: EmulatorConfiguration) async throws -> LambdaEmulator {
        try configuration.check()
        let emulator = LambdaEmulator(configuration: configuration)
        do {
            try await emulator.bindListeners()
        } catch {
            try? await emulator.group.shutdownGracefully()
            throw EmulatorError(.bindFailed, "could not listen on \(configuration.host):\(configuration.port): \(error)")
        }
        do {
            try await emulator.loop.submit { try emulator.startAllRuntimes() }.get()
        } catch {
            // Runtimes of the slots started before the failing one, and the listeners, are stopped:
            // nothing may outlive an emulator its caller never got.
            await emulator.shutdown()
            throw error
        }
        return emulator
    }

    /// Raises this process's soft limit on open files to its hard limit, for emulators with many
    /// runtimes (`video-lambda serve` calls it; a library user decides for its own process, whose
    /// other children would inherit the raised limit). The runtimes the emulator starts get Lambda's
    /// quota of 1024 either way. False when the limit stays as it was.
    @discardableResult
    public static func raiseOpenFileLimit() -> Bool { OpenFileLimit.raiseOwnToHardLimit() }

    /// The invoke endpoint's port.
    public var port: Int { invokeListener?.localAddress?.port ?? 0 }

    /// host:port of each runtime's API, what AWS_LAMBDA_RUNTIME_API is set to: for runtimes the
    /// emulator starts, the current process's (a process that replaces another gets a fresh one).
    public var runtimeAPIAddresses: [String] { runtimeAPIPorts.withLock { $0 }.map { "\(configuration.host):\($0)" } }

    /// The PIDs of the runtime processes now running.
    public func runtimePIDs() async -> [Int32] {
        await onLoop { self.slots.compactMap { $0.process?.isRunning == true ? $0.process?.pid : nil } }
    }

    /// Every runtime process started so far, replaced ones included: after `shutdown()` none may run.
    public func startedPIDs() async -> [Int32] {
        await onLoop { self.started }
    }

    /// Protocol violations runtimes committed (unknown request id, second answer, bad error type).
    public func protocolViolations() async -> [String] {
        await onLoop { self.violations }
    }

    /// The REPORTs the platform log has written so far, summed up (empty without a platform log).
    public func platformReportSummary() async -> ReportSummary {
        await onLoop { self.reportSummary }
    }

    /// Cold starts so far, in milliseconds: each runtime process's start to its first GET next.
    public func coldStartDurations() async -> [Double] {
        await onLoop { self.coldStarts }
    }

    /// Waits until every runtime has asked for work (all are initialised), or `timeout` passes.
    public func waitUntilReady(timeout: Duration = .seconds(30)) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if await onLoop({ !self.isShutDown && self.slots.allSatisfy { $0.isIdle } }) { return true }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return false
    }

    /// Invokes the function with `event` and waits for its answer, as a caller of the RIE endpoint would.
    public func invoke(_ event: [UInt8], options: InvocationOptions = InvocationOptions()) async throws -> InvocationResult {
        guard let answer = submit(event, options: options) else { return Self.hasShutDown }
        return try await answer.get()
    }

    /// The answer to work that arrives, or was waiting, when the emulator stops.
    static let hasShutDown = InvocationResult.lambdaError(type: "Runtime.Shutdown", message: "the emulator has shut down")
    static let isShuttingDown = InvocationResult.lambdaError(type: "Runtime.Shutdown", message: "the emulator is shutting down")

    public func inject(_ fault: Fault) async {
        await onLoop { self.pendingFaults.append(fault) }
    }

    /// Stops taking work, fails what is waiting, stops the runtimes (SIGTERM, SIGKILL after the
    /// grace period) and closes the listeners. A second call, even one made while the first runs
    /// (a signal's and the caller's own), waits for the first and does nothing more.
    public func shutdown() async {
        let once = shutdownTask.withLock { task in
            if let task { return task }
            let started = Task { await self.stopEverything() }
            task = started
            return started
        }
        await once.value
    }

    private func stopEverything() async {
        guard !loopGate.isStopped else { return }
        let processes = await onLoop { self.beginShutdown() }
        let grace = configuration.shutdownGraceSeconds
        // All at once, on a thread of their own: the wait blocks it for up to the grace period, and
        // one blocked pool thread per runtime would leave the rest waiting for a free one (and
        // their SIGTERM with them) while stalling every other task of the process.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread { RuntimeProcess.terminate(processes, grace: grace); done.resume() }.start()
        }
        loopGate.stop()
        try? await group.shutdownGracefully()
    }

    /// Runs `body` on the emulator's loop. Once the loop has stopped, the state is final and no
    /// other thread touches it, so `body` runs here: a task given to a stopped NIO loop is dropped
    /// and whoever awaits it would wait forever.
    func onLoop<T>(_ body: @escaping () -> T) async -> T {
        if loopGate.isStopped { return body() }
        let promise = loop.makePromise(of: T.self)
        guard loopGate.execute(on: loop, { promise.succeed(body()) }) else {
            promise.fail(EmulatorError(.shutDown, "the emulator has shut down"))
            return body()
        }
        return try! await promise.futureResult.get()
    }

    /// The answer to `event`, or nil once the emulator has shut down: its stopped loop would drop
    /// the callbacks of any future made now, and whoever awaited it would wait forever.
    /// `queued` runs on the loop once the invocation waits in the queue (not for one refused).
    /// `logTail` collects the invocation's log for a caller that asked for it; `responseStream`
    /// passes a streamed response on to its caller as it arrives. `mayThrottle`: a
    /// synchronous invocation, refused when every runtime is spoken for and `throttlesWhenBusy`.
    func submit(_ event: [UInt8], options: InvocationOptions, requestID: String = UUID().uuidString.lowercased(),
                logTail: InvocationLogTail? = nil, responseStream: ResponseStream? = nil, mayThrottle: Bool = false,
                queued: (@Sendable () -> Void)? = nil) -> EventLoopFuture<InvocationResult>? {
        guard !loopGate.isStopped else { return nil }
        let promise = loop.makePromise(of: InvocationResult.self)
        let accepted = loopGate.execute(on: loop) {
            guard !self.isShutDown else { return promise.succeed(Self.isShuttingDown) }
            if let refusal = Self.optionsRefusal(options) ?? self.tenantRefusal(options.tenantID) { return promise.succeed(refusal) }
            if mayThrottle, self.configuration.throttlesWhenBusy, self.runtimesFree <= self.queue.count {
                return promise.succeed(.throttled("Rate Exceeded: all \(self.configuration.concurrency) runtimes are busy (reserved concurrency)"))
            }
            // One event always gets in: the bound is on what waits behind it.
            guard self.queue.isEmpty || self.queue.bytes + event.count <= self.configuration.maximumQueuedBytes else {
                promise.succeed(.throttled(queuedBytes: self.queue.bytes))
                return
            }
            self.arrivals += 1
            self.queue.append(PendingInvocation(requestID: requestID, event: event, options: options, promise: promise, arrival: self.arrivals,
                                                logTail: logTail, responseStream: responseStream))
            queued?()
            self.dispatch()
        }
        guard accepted else {
            promise.succeed(Self.hasShutDown)
            return nil
        }
        return promise.futureResult
    }

    /// Runtimes that could take an invocation now or once started: idle, starting with none owed,
    /// or stopped (started again for work). On the loop.
    var runtimesFree: Int { slots.filter { $0.isIdle || $0.isStartingFresh || $0.isStopped }.count }

    private func bindListeners() async throws {
        let invoke = try await HTTPServer.bind(group: group, host: configuration.invokeHost ?? configuration.host, port: configuration.port,
                                               bodyLimit: Self.requestLimit, budget: receivingBudget,
                                               throttle: { [limit = configuration.maximumReceivingBytes] responder in
                                                   Self.respond(.throttled("Rate Exceeded: the emulator is receiving \(limit) bytes of request bodies at once"), responder)
                                               },
                                               stalledRequestSeconds: configuration.stalledRequestSeconds) { [unowned self] request, responder in
            self.routeInvoke(request, responder)
        }.get()
        invokeListener = invoke
        for index in 0..<configuration.concurrency {
            let slot = RuntimeSlot(index: index)
            slot.listener = try await bindRuntimeListener(for: slot, role: .current).get()
            slots.append(slot)
        }
        publishRuntimeAPIPorts()
    }

    func log(_ message: String) {
        FileHandle.standardError.write(Data("[emulator] \(message)\n".utf8))
    }
}
