// Work handed to the emulator's event loop from other threads, refused once the loop has stopped.
import Foundation
import NIOCore

/// NIO drops a task given to a loop that has shut down (and prints an error), so a caller awaiting
/// its result would wait forever. Threads outside the loop (process watchers, async callers) go
/// through the gate; after `stop()` it refuses the work and says so.
final class LoopGate: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false

    var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    /// Enqueues `task` on `loop` unless the gate is stopped; returns whether it was enqueued.
    @discardableResult
    func execute(on loop: EventLoop, _ task: @escaping @Sendable () -> Void) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return false }
        loop.execute(task)
        return true
    }

    /// Called before the loop shuts down: every later `execute` is refused.
    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }
}
