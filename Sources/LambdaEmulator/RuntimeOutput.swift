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
///
/// Each pass holds the lock for a bounded amount: the reader one read, a drain what the pipe held
/// when it began (at most the pipe's capacity). A runtime that writes without pause, to a standard
/// error read slowly, must not keep the loop waiting for the lock. (Passing on under the lock keeps
/// the runtime's bytes in order.)
// @unchecked Sendable: the descriptor, the pass-on and the kept bytes are used under `lock` only.
final class RuntimeOutput: @unchecked Sendable {
    /// The pipe's write end, for the child's stdout and stderr; the parent closes it once the child has it.
    let writeEnd: Int32
    private let readEnd: Int32
    /// Written to end the reader while a writer remains: a daemon the runtime started outside its
    /// process group holds the pipe for as long as it lives.
    private let stopEnds: (read: Int32, write: Int32)
    private let lock = NSLock()
    /// Until a read finds every writer gone, or `stop`. Only the reader thread closes the
    /// descriptors: a number closed under its poll could be reused by another pipe meanwhile.
    private var reading = true
    private var buffer = [UInt8](repeating: 0, count: 65536)
    /// What has come since `collect()`, the newest `keptLimit` bytes; nil when nothing is collected.
    private var collected: [UInt8]?
    private let keptLimit: Int

    /// `keptLimit`: the most bytes kept for a tail (the tail holds no more). `collecting`: keep
    /// from the first byte (a process started for an invocation whose caller wants the tail).
    init(keptLimit: Int, collecting: Bool = false) throws {
        func pipeEnds() throws -> (Int32, Int32) {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else {
                throw EmulatorError(.badCommand, "cannot make the runtime's output pipe: \(String(cString: strerror(errno)))")
            }
            // No end leaks into another runtime: the emulator spawns on its one loop, and its spawns
            // close every descriptor above 2 (the child gets the write end as its fds 1 and 2, which
            // dup2 makes without close-on-exec); close-on-exec covers the rest.
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
            // Read without blocking: the reader and a drain may both find the pipe empty.
            _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
            return (ends[0], ends[1])
        }
        (readEnd, writeEnd) = try pipeEnds()
        do { stopEnds = try pipeEnds() } catch {
            close(readEnd); close(writeEnd)
            throw error
        }
        self.keptLimit = keptLimit
        collected = collecting ? [] : nil
    }

    /// Closes the write end (the child holds its copies) and reads until every copy is closed (the
    /// process and whatever it started have ended) or `stop` is called.
    func startReading() {
        close(writeEnd)
        let reader = Thread { [self] in
            var waiting = [pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0), pollfd(fd: stopEnds.read, events: Int16(POLLIN), revents: 0)]
            while true {
                let ready = poll(&waiting, 2, -1)
                if ready < 0 && errno == EINTR { continue }
                lock.lock()
                // Told to stop: what is there now is passed on, and the rest left to the writer.
                if waiting[1].revents != 0 { _ = passOnLocked(upTo: available()); reading = false }
                if reading { reading = passOnLocked(upTo: buffer.count) }
                let done = !reading
                lock.unlock()
                if done {
                    for descriptor in [readEnd, stopEnds.read, stopEnds.write] { close(descriptor) }
                    return
                }
            }
        }
        reader.name = "runtime-output"
        reader.start()
    }

    /// Ends the reader (passing on what the pipe holds) though a writer remains. Called once the
    /// process has exited and its group been killed; what outlives them writes into the void.
    func stop() {
        lock.lock()
        defer { lock.unlock() }
        // Once the reader has finished, the descriptor may be closed and its number another's.
        guard reading else { return }
        var byte: UInt8 = 1
        _ = write(stopEnds.write, &byte, 1)
    }

    /// Passes on what the pipe holds now. On the emulator's loop.
    func drain() {
        lock.lock()
        passOnWhatIsThere()
        lock.unlock()
    }

    /// Drains, then keeps what comes from now on, until `takeCollected()`.
    func collect() {
        lock.lock()
        passOnWhatIsThere()
        collected = []
        lock.unlock()
    }

    /// Drains, stops keeping, and returns what was kept since `collect()` (empty when not collecting).
    func takeCollected() -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        passOnWhatIsThere()
        let taken = collected ?? []
        collected = nil
        return taken
    }

    /// Passes on what the pipe holds now (no more: a writer that never pauses does not keep the
    /// caller). Under the lock.
    private func passOnWhatIsThere() {
        if reading { reading = passOnLocked(upTo: available()) }
    }

    /// The bytes the pipe holds now.
    private func available() -> Int {
        var count: Int32 = 0
        return ioctl(readEnd, UInt(FIONREAD), &count) == 0 ? Int(count) : buffer.count
    }

    /// Reads up to `limit` bytes that are there and passes them on (keeping them when collecting);
    /// false once every writer has closed.
    private func passOnLocked(upTo limit: Int) -> Bool {
        var left = limit
        while left > 0 {
            let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, min($0.count, left)) }
            if count > 0 {
                left -= count
                let chunk = buffer[..<count]
                Self.passOn(chunk)
                if collected != nil {
                    collected!.append(contentsOf: chunk)
                    if collected!.count > keptLimit { collected!.removeFirst(collected!.count - keptLimit) }
                }
            } else if count == 0 {
                return false
            } else if errno != EINTR {
                // EAGAIN: nothing more for now. (Another error cannot happen on a pipe we own.)
                return true
            }
        }
        return true
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
