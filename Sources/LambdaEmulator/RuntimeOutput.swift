// What a runtime process writes (its stdout and stderr, through one pipe): passed on to the
// emulator's standard error as it comes, and kept for the invocation whose caller asked for its
// log's tail (X-Amz-Log-Type: Tail).
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The read end of a runtime's output pipe. A thread of its own reads it while the process writes;
/// the emulator's loop drains it at an invocation's START and REPORT, so that what the runtime
/// wrote before either (it always has, before its next Runtime API call) lands before that line,
/// in the emulator's log and in the tail.
// @unchecked Sendable: the descriptor, the pass-on and the kept bytes are used under `lock` only.
final class RuntimeOutput: @unchecked Sendable {
    /// The pipe's write end, for the child's stdout and stderr; the parent closes it once the child has it.
    let writeEnd: Int32
    private let readEnd: Int32
    private let lock = NSLock()
    /// Until a read finds every writer gone. Only the reader thread closes the descriptor: a
    /// number closed under its poll could be reused by another pipe meanwhile.
    private var writersRemain = true
    private var buffer = [UInt8](repeating: 0, count: 65536)
    /// What has come since `collect()`, the newest `keptLimit` bytes; nil when nothing is collected.
    private var collected: [UInt8]?
    private let keptLimit: Int

    /// `keptLimit`: the most bytes kept for a tail (the tail holds no more).
    init(keptLimit: Int) throws {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw EmulatorError(.badCommand, "cannot make the runtime's output pipe: \(String(cString: strerror(errno)))") }
        // Neither end leaks into processes started later (each gets its own); the child gets the
        // write end as its fds 1 and 2, which dup2 makes without close-on-exec.
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        // Read without blocking: the reader and a drain may both find the pipe empty.
        _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
        readEnd = ends[0]
        writeEnd = ends[1]
        self.keptLimit = keptLimit
    }

    /// Closes the write end (the child holds its copies) and reads until every copy is closed:
    /// the process and whatever it started in its group have ended.
    func startReading() {
        close(writeEnd)
        let reader = Thread { [self] in
            var waiting = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            while true {
                let ready = poll(&waiting, 1, -1)
                if ready < 0 && errno == EINTR { continue }
                lock.lock()
                let writersRemain = drainLocked()
                lock.unlock()
                if !writersRemain { close(readEnd); return }
            }
        }
        reader.name = "runtime-output"
        reader.start()
    }

    /// Reads what the pipe holds now and passes it on. On the emulator's loop.
    func drain() {
        lock.lock()
        _ = drainLocked()
        lock.unlock()
    }

    /// Drains, then keeps what comes from now on, until `collected()`.
    func collect() {
        lock.lock()
        _ = drainLocked()
        collected = []
        lock.unlock()
    }

    /// Drains, stops keeping, and returns what was kept since `collect()` (empty when not collecting).
    func takeCollected() -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        _ = drainLocked()
        let taken = collected ?? []
        collected = nil
        return taken
    }

    /// Reads until the pipe is empty; false once every writer has closed.
    private func drainLocked() -> Bool {
        guard writersRemain else { return false }
        while true {
            let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count > 0 {
                let chunk = buffer[..<count]
                Self.passOn(chunk)
                if collected != nil {
                    collected!.append(contentsOf: chunk)
                    if collected!.count > keptLimit { collected!.removeFirst(collected!.count - keptLimit) }
                }
            } else if count == 0 {
                writersRemain = false
                return false
            } else if errno == EINTR {
                continue
            } else {
                // EAGAIN: nothing more for now. (Another error cannot happen on a pipe we own.)
                return true
            }
        }
    }

    /// To the emulator's standard error, where the runtime's output went before it was piped. A
    /// standard error that is gone loses the bytes, not the emulator.
    private static func passOn(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(2, raw.baseAddress! + offset, raw.count - offset)
                if written > 0 { offset += written } else if written < 0 && errno == EINTR { continue } else { return }
            }
        }
    }
}
