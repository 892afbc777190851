// Handing invocations to runtimes, and what happens when a runtime times out, exits or fails init.
// Everything here runs on the emulator's event loop.
import Foundation
import NIOCore

extension LambdaEmulator {
    /// Starts a runtime in every slot (the external-runtime mode starts none).
    func startAllRuntimes() throws {
        for slot in slots where !configuration.command.isEmpty {
            try startRuntime(in: slot)
            // Bound while the process starts, when the loop has nothing else to do.
            prepareSpareListener(for: slot)
        }
        if configuration.command.isEmpty {
            for slot in slots { slot.state = .initializing }
        }
    }

    /// `collectsOutput`: the process is started for an invocation whose caller wants its log's tail,
    /// which then holds the process's output from its first byte (its init's lines).
    func startRuntime(in slot: RuntimeSlot, collectsOutput: Bool = false) throws {
        slot.generation += 1
        if slot.generation > 1 { moveToFreshListener(slot) }
        slot.initFailedBeforeWork = false
        slot.initError = nil
        slot.initErrorAfterMs = nil
        slot.unreportedInitMs = nil
        slot.tenant = nil
        slot.answeredTimeout?.cancel()
        slot.answeredTimeout = nil
        let generation = slot.generation
        let environment = configuration.lambdaEnvironment(runtimeAPI: "\(configuration.host):\(slot.listener?.port ?? 0)",
                                                          inherited: inheritedEnvironment)
        // A cold start counts from before the spawn: the exec and the loader's work are the process's start.
        let spawnedAt = NIODeadline.now()
        let process = try RuntimeProcess(command: configuration.command, environment: environment,
                                         directory: environment["LAMBDA_TASK_ROOT"], collectsOutput: collectsOutput) { [loop, loopGate] status in
            loopGate.execute(on: loop) { self.runtimeExited(slot: slot, generation: generation, status: status) }
        }
        slot.process = process
        started.append(process.pid)
        if !process.hasLambdaFileQuota {
            log("runtime \(process.pid) keeps the limit on open files it inherited: it could not be set to Lambda's \(OpenFileLimit.lambdaQuota)")
        }
        slot.state = .initializing
        slot.startedAt = spawnedAt
        slot.initTimeout?.cancel()
        slot.initTimeout = loop.scheduleTask(in: .milliseconds(Int64(configuration.initTimeoutSeconds * 1000))) { [weak self] in
            self?.initTimedOut(slot: slot, generation: generation)
        }
    }

    /// A runtime that has not asked for work within its init limit (a model fetch that stalls, a
    /// deadlock): as Lambda ends such an init, the process is killed; an invocation waiting for it
    /// gets a fresh process whose init runs in its invoke phase (`retryInitInInvokePhase`).
    private func initTimedOut(slot: RuntimeSlot, generation: Int) {
        guard generation == slot.generation, !isShutDown, case .initializing = slot.state else { return }
        log("runtime pid \(slot.process?.pid ?? 0) did not finish init within \(configuration.initTimeoutSeconds) s; stopping it")
        slot.process?.signal(SIGKILL)
        slot.state = .stopped
        initPhaseFailed(in: slot, timedOut: true)
        dispatch()
    }

    /// The slot's init-phase init failed (the slot is stopped): INIT_REPORT, then the retry for the
    /// invocation owed it, or, with none, the next one's is owed at once (`initFailedBeforeWork`).
    private func initPhaseFailed(in slot: RuntimeSlot, timedOut: Bool) {
        reportFailedInit(in: slot, phase: .initialization, timedOut: timedOut)
        slot.initFailedBeforeWork = !retryInitInInvokePhase(in: slot)
    }

    /// As Lambda does after an init that failed while an invocation waited for it: the init is
    /// tried again, in a fresh process, within that invocation's invoke phase. Its START is written
    /// now and its timeout runs from now; the process gets it at its first GET next. If this init
    /// fails too, the invocation ends with that failure (`failInvokePhaseInit`). Returns whether an
    /// invocation was owed the retry (one no other runtime is coming for).
    private func retryInitInInvokePhase(in slot: RuntimeSlot) -> Bool {
        guard let position = positionOwedARetry() else { return false }
        let waiting = queue.remove(at: position)
        do { try startRuntime(in: slot, collectsOutput: waiting.logTail != nil) } catch {
            waiting.complete(.lambdaError(type: "Runtime.InvalidEntrypoint", message: "\(error)"))
            return true
        }
        // The invocation's timeout bounds this init, not the init limit.
        slot.initTimeout?.cancel()
        slot.initTimeout = nil
        slot.invokePhaseInit = waiting
        if configuration.tenantIsolation { slot.tenant = waiting.options.tenantID }
        armDeadline(of: waiting, in: slot)
        openPlatformReport(for: waiting, in: slot)
        return true
    }

    /// The invoke-phase init of `slot` failed (`result`: its posted init error, its exit, or its
    /// timeout): INIT_REPORT, then the invocation ends with the failure, and its END and REPORT.
    func failInvokePhaseInit(in slot: RuntimeSlot, with result: InvocationResult, timedOut: Bool) {
        guard let invocation = slot.invokePhaseInit else { return }
        slot.invokePhaseInit = nil
        reportFailedInit(in: slot, phase: .invocation, timedOut: timedOut)
        invocation.complete(result)
        slot.recordEnd(invocation.requestID, "ended with its invoke-phase init (\(result.errorType ?? "failed"))")
        closePlatformReport(in: slot)
    }

    /// Sets the invocation's deadline (the function's timeout from now) and what ends it there.
    private func armDeadline(of invocation: PendingInvocation, in slot: RuntimeSlot) {
        let timeoutMs = Int64(configuration.timeoutSeconds * 1000)
        invocation.deadline = (epochMs: Int64(Date().timeIntervalSince1970 * 1000) + timeoutMs, loopTime: NIODeadline.now() + .milliseconds(timeoutMs))
        invocation.timeout = loop.scheduleTask(deadline: invocation.deadline!.loopTime) { [weak self] in
            self?.timedOut(invocation, slot: slot)
        }
    }

    /// Gives queued invocations to idle runtimes and starts runtimes while work waits for them, one
    /// step at a time (see `nextDispatchStep`), until none can be taken.
    func dispatch() {
        while !queue.isEmpty {
            switch nextDispatchStep() {
            case .hand(let position, let slot):
                hand(queue.remove(at: position), to: slot)
            case .start(let position, let slot):
                // The sandbox's init phase ran, and failed, before any invocation came for it (the
                // emulator starts runtimes at once; Lambda starts one for an invocation): as in
                // Lambda, the invocation owed a runtime has the init tried again in its invoke
                // phase. (None is owed one when every queued invocation has a runtime coming.)
                if slot.initFailedBeforeWork, retryInitInInvokePhase(in: slot) { continue }
                do { try startRuntime(in: slot) }
                catch { queue.remove(at: position).complete(.lambdaError(type: "Runtime.InvalidEntrypoint", message: "\(error)")) }
            case .recycle(let slot):
                // Lambda never gives a tenant's execution environment to another tenant: a new one,
                // which the next step starts in this slot (the only stopped one) for the waiting tenant.
                log("stopping runtime pid \(slot.process?.pid ?? 0) of tenant '\(slot.tenant ?? "")': a tenant without a runtime waits")
                slot.process?.signal(SIGKILL)
                slot.state = .stopped
            case .wait:
                return
            }
        }
    }

    private func hand(_ invocation: PendingInvocation, to slot: RuntimeSlot) {
        guard case .idle(let responder) = slot.state, responder.isConnected else {
            // The runtime's GET next went away with its connection: wait for it to ask again.
            slot.state = .ready
            queue.putBack(invocation)
            return
        }
        slot.state = .busy(invocation)
        if configuration.tenantIsolation { slot.tenant = invocation.options.tenantID }
        slot.lastHandedWork = .now()
        armDeadline(of: invocation, in: slot)
        openPlatformReport(for: invocation, in: slot)
        deliver(invocation, over: responder, slot: slot)
    }

    /// Writes the event as the answer to the runtime's GET next. A GET next whose connection dies
    /// as the event is written never got it: the runtime gets it when it asks again (the deadline
    /// and the timeout stay those of the first hand-over). If the runtime exited instead, the caller
    /// gets Runtime.ExitError, as from Lambda: the event is not given to another runtime, which
    /// would crash the same way on an event that kills runtimes.
    func deliver(_ invocation: PendingInvocation, over responder: HTTPResponder, slot: RuntimeSlot) {
        var headers = [("Lambda-Runtime-Aws-Request-Id", invocation.requestID),
                       ("Lambda-Runtime-Deadline-Ms", String(invocation.deadline?.epochMs ?? 0)),
                       ("Lambda-Runtime-Invoked-Function-Arn", configuration.functionARN + (invocation.options.qualifier.map { ":\($0)" } ?? "")),
                       ("Lambda-Runtime-Trace-Id", invocation.options.traceID ?? Self.newTraceID()),
                       ("Content-Type", "application/json")]
        if let value = invocation.options.clientContext { headers.append(("Lambda-Runtime-Client-Context", value)) }
        if let value = invocation.options.cognitoIdentity { headers.append(("Lambda-Runtime-Cognito-Identity", value)) }
        if let value = invocation.options.tenantID { headers.append(("Lambda-Runtime-Aws-Tenant-Id", value)) }
        invocation.undelivered = false
        if takeFault(.closeWhileHandingOver) { responder.closeUnanswered() }
        responder.respond(.ok, headers: headers, body: invocation.event) { [weak self] in
            // Later on the loop, not inside this hand-over (a write to a closed channel fails at once).
            self?.loop.execute {
                guard case .busy(let current) = slot.state, current === invocation else { return }
                self?.log("the event of \(invocation.requestID) could not be handed over (the runtime's connection closed); it is given again when the runtime asks")
                invocation.undelivered = true
            }
        }
    }

    /// Past the deadline: the caller gets Lambda's timeout error and the sandbox gets a fresh process.
    /// An invocation whose invoke-phase init has not finished ends it (an init error it posted says
    /// more than the timeout), and the sandbox waits for work to start again.
    private func timedOut(_ invocation: PendingInvocation, slot: RuntimeSlot) {
        if slot.invokePhaseInit === invocation {
            log("invocation \(invocation.requestID) timed out after \(configuration.timeoutSeconds) s in its init; stopping runtime pid \(slot.process?.pid ?? 0)")
            let result = slot.initError ?? .timedOut(requestID: invocation.requestID, seconds: configuration.timeoutSeconds)
            failInvokePhaseInit(in: slot, with: result, timedOut: slot.initError == nil)
            slot.process?.signal(SIGKILL)
            slot.state = .stopped
            dispatch()
            return
        }
        guard case .busy(let current) = slot.state, current === invocation else { return }
        invocation.complete(.timedOut(requestID: invocation.requestID, seconds: configuration.timeoutSeconds))
        slot.recordEnd(invocation.requestID, "timed out after \(configuration.timeoutSeconds) s")
        log("invocation \(invocation.requestID) timed out after \(configuration.timeoutSeconds) s; replacing the runtime (pid \(slot.process?.pid ?? 0))")
        replaceRuntime(in: slot)
    }

    /// Kills the slot's process and starts a fresh one in its place (the old one's exit is then
    /// ignored: it is of an earlier generation), then hands out what waits.
    private func replaceRuntime(in slot: RuntimeSlot) {
        closePlatformReport(in: slot)
        slot.process?.signal(SIGKILL)
        slot.state = .stopped
        do { try startRuntime(in: slot) } catch { log("could not restart the runtime: \(error)") }
        dispatch()
    }

    /// The answered invocation's deadline passed and its runtime has not asked for the next one (it
    /// hangs or works on after answering): as Lambda resets such a sandbox, the process is replaced,
    /// instead of the slot taking no work for good.
    func answeredWithoutAskingAgain(slot: RuntimeSlot, generation: Int) {
        guard generation == slot.generation, !isShutDown, case .ready = slot.state else { return }
        log("runtime pid \(slot.process?.pid ?? 0) answered but did not ask for the next invocation before the deadline; replacing it")
        replaceRuntime(in: slot)
    }

    /// An external runtime answered `requestID` and has not asked for work by its deadline: the
    /// invocation's END and REPORT are written now, not when it next asks, which may be never.
    func invokePhaseOutlasted(_ requestID: String, slot: RuntimeSlot) {
        guard slot.openReport?.requestID == requestID, case .ready = slot.state else { return }
        log("the runtime answered \(requestID) but did not ask for the next invocation before its deadline; its report is written now")
        closePlatformReport(in: slot)
    }

    private func runtimeExited(slot: RuntimeSlot, generation: Int, status: ProcessStatus) {
        guard generation == slot.generation, !isShutDown else { return }
        let exitedPID = slot.process?.pid ?? 0
        // Forget the ended process before any restart below, which stores its replacement here.
        slot.process = nil
        switch slot.state {
        case .busy(let invocation):
            log("runtime pid \(exitedPID) exited (\(status)) during invocation \(invocation.requestID)")
            invocation.complete(.exited(requestID: invocation.requestID, status: status))
            closePlatformReport(in: slot)
            slot.state = .stopped
            do { try startRuntime(in: slot) } catch { log("could not restart the runtime: \(error)") }
        case .initializing:
            // Init failed. An invocation waiting for it has it tried again in its invoke phase;
            // when that try fails too, the invocation ends with its failure.
            let result = slot.initError ?? .lambdaError(
                type: "Runtime.ExitError",
                message: "Runtime exited during init with error: \(status.description)")
            log("runtime pid \(exitedPID) failed init (\(status)): \(result.bodyText)")
            slot.state = .stopped
            if slot.invokePhaseInit != nil {
                failInvokePhaseInit(in: slot, with: result, timedOut: false)
            } else {
                initPhaseFailed(in: slot, timedOut: false)
            }
        case .idle, .ready:
            log("runtime pid \(exitedPID) exited between invocations (\(status))")
            // An answered invocation's invoke phase ends with its process.
            closePlatformReport(in: slot)
            slot.state = .stopped
        case .stopped:
            break
        }
        dispatch()
    }

    /// Fails all waiting work and returns the processes to stop.
    func beginShutdown() -> [RuntimeProcess] {
        isShutDown = true
        dropEventRetries()
        let stopping = Self.isShuttingDown
        for invocation in queue.removeAll() { invocation.complete(stopping) }
        var processes: [RuntimeProcess] = []
        for slot in slots {
            if case .busy(let invocation) = slot.state { invocation.complete(stopping) }
            slot.invokePhaseInit?.complete(stopping)
            slot.invokePhaseInit = nil
            closePlatformReport(in: slot)
            slot.state = .stopped
            if let process = slot.process { processes.append(process) }
        }
        closeRuntimeListeners()
        invokeListener?.close(promise: nil)
        return processes
    }

    /// An X-Ray trace header: Root=1-<epoch hex>-<96-bit hex>;Parent=<64-bit hex>;Sampled=0.
    static func newTraceID() -> String {
        func hex(_ digits: Int) -> String {
            String((0..<digits).map { _ in "0123456789abcdef".randomElement()! })
        }
        let epoch = String(Int(Date().timeIntervalSince1970), radix: 16)
        return "Root=1-\(epoch)-\(hex(24));Parent=\(hex(16));Sampled=0"
    }
}
