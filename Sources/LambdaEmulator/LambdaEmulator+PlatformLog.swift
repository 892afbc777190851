// The platform log's lines for each invocation handed to a runtime: START at the hand-over; END and
// REPORT when its invoke phase ends; INIT_REPORT for a runtime whose init failed. For an answered invocation that is the runtime's next GET next
// (what a runtime does after answering is part of the phase, as in Lambda, and so are the lines it
// logs meanwhile), or its deadline for a runtime the emulator did not start; else its timeout, its
// runtime's exit or replacement, or the emulator's shutdown.
import NIOCore

/// An invocation whose START is written and whose REPORT is not yet.
struct OpenPlatformReport {
    let requestID: String
    let started: NIODeadline
    /// The process's init, if this is the first invocation it serves.
    let initDurationMs: Double?
    let process: RuntimeProcess?
    /// How it ended, once the caller has its result.
    var status: PlatformLog.Status?
    /// The end of its log, when its caller asked for it: given to the caller with REPORT.
    let tail: InvocationLogTail?
}

extension LambdaEmulator {
    /// Writes START for `invocation`, handed to `slot`'s runtime now, and opens its report. The
    /// process's init goes to the first invocation it serves, written or not.
    func openPlatformReport(for invocation: PendingInvocation, in slot: RuntimeSlot) {
        let initDurationMs = slot.unreportedInitMs
        slot.unreportedInitMs = nil
        guard let log = configuration.platformLog else { return }
        // What the runtime wrote before this hand-over goes before START, and not into the tail;
        // but a process started for this invocation (its init tried again in its invoke phase)
        // has been collected from its first byte.
        if slot.invokePhaseInit !== invocation {
            if invocation.logTail != nil { slot.process?.output.collect() } else { slot.process?.output.drain() }
        }
        log.start(requestID: invocation.requestID, functionARN: configuration.functionARN, tail: invocation.logTail)
        invocation.reportOpened = true
        slot.openReport = OpenPlatformReport(requestID: invocation.requestID, started: .now(), initDurationMs: initDurationMs,
                                             process: slot.process, status: nil, tail: invocation.logTail)
        let requestID = invocation.requestID
        // The request id, not the invocation, is captured: the invocation holds this closure.
        invocation.onComplete = { [weak slot] result, answeredByRuntime in
            guard slot?.openReport?.requestID == requestID else { return }
            slot?.openReport?.status = PlatformLog.status(of: result, answeredByRuntime: answeredByRuntime)
        }
    }

    /// Ends the invoke phase of the slot's open report, if it has one: writes END and REPORT with
    /// the process's peak memory as of now. A timeout lasts exactly the timeout, as Lambda reports it.
    func closePlatformReport(in slot: RuntimeSlot) {
        guard let log = configuration.platformLog, let open = slot.openReport else { return }
        slot.openReport = nil
        // Every path that ends an invocation completes it before closing its report.
        let status = open.status ?? .runtimeError(type: "Runtime.Unknown")
        let durationMs = status == .timeout ? configuration.timeoutSeconds * 1000 : open.started.millisecondsUntilNow
        // What the runtime wrote in its invoke phase goes before END (it wrote it before its next
        // Runtime API call, or before it was stopped).
        if let tail = open.tail { tail.append(open.process?.output.takeCollected() ?? []) } else { open.process?.output.drain() }
        if status == .timeout { log.timedOut(requestID: open.requestID, seconds: configuration.timeoutSeconds, tail: open.tail) }
        let report = PlatformLog.Report(requestID: open.requestID, durationMs: durationMs, initDurationMs: open.initDurationMs,
                                        memorySizeMB: configuration.memoryMB, maxMemoryUsedMB: open.process?.peakResidentMB, status: status)
        log.end(report, tail: open.tail)
        open.tail?.finish()
        reportSummary.add(report)
    }
}

extension LambdaEmulator {
    /// Writes INIT_REPORT for the slot's runtime, whose init ended now without it asking for work.
    /// An init error it posted says how (and its post ends the init, whether the process then exits
    /// or outlasts the limit); else the process exited (Runtime.ExitError) or ran out of time: the
    /// init limit in the init phase, the invocation's timeout in the invoke phase.
    func reportFailedInit(in slot: RuntimeSlot, phase: PlatformLog.InitPhase, timedOut: Bool) {
        guard let startedAt = slot.startedAt else { return }
        slot.startedAt = nil
        guard let log = configuration.platformLog else { return }
        if let posted = slot.initError, let afterMs = slot.initErrorAfterMs {
            log.initFailed(durationMs: afterMs, phase: phase, .error(type: posted.errorType ?? "Runtime.Unknown"))
        } else if timedOut {
            let limit = phase == .initialization ? configuration.initTimeoutSeconds : configuration.timeoutSeconds
            log.initFailed(durationMs: limit * 1000, phase: phase, .timeout)
        } else {
            log.initFailed(durationMs: startedAt.millisecondsUntilNow, phase: phase, .error(type: "Runtime.ExitError"))
        }
        reportSummary.addFailedInit()
    }
}

extension NIODeadline {
    /// Milliseconds from this moment to now.
    var millisecondsUntilNow: Double { Double((NIODeadline.now() - self).nanoseconds) / 1e6 }
}
