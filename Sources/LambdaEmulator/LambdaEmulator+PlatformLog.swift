// The platform log's lines for each invocation handed to a runtime: START at the hand-over, END and
// REPORT when it ends, however it ends (answer, error, timeout, exit).
import NIOCore

extension LambdaEmulator {
    /// Writes START for `invocation`, handed to `slot`'s runtime now, and arranges its END and
    /// REPORT: the time from now to its end, the process's init if this is its first invocation,
    /// and the process's peak memory when it ends.
    func writePlatformStart(of invocation: PendingInvocation, in slot: RuntimeSlot) {
        let initMs = slot.unreportedInitMs
        slot.unreportedInitMs = nil
        guard let log = configuration.platformLog else { return }
        log.start(requestID: invocation.requestID)
        let started = NIODeadline.now()
        let process = slot.process
        let memorySizeMB = configuration.memoryMB
        invocation.onComplete = { result in
            log.end(.init(requestID: invocation.requestID, durationMs: Double((NIODeadline.now() - started).nanoseconds) / 1e6,
                          initDurationMs: initMs, memorySizeMB: memorySizeMB, maxMemoryUsedMB: process?.peakResidentMB,
                          status: PlatformLog.status(of: result)))
        }
    }
}
