// A runtime child process: started with Lambda's environment, watched, stopped through its process group.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One running runtime. `onExit` is called once, on the process's watcher thread, when it ends.
///
/// Spawned with posix_spawn rather than Foundation's Process so that the child starts with an empty
/// signal mask and default signal actions: the emulator's event-loop threads block most signals and
/// ignore SIGPIPE, and a runtime inheriting that would never see the SIGTERM that asks it to stop.
///
/// The runtime leads a process group of its own, and signals go to the group: a runtime started
/// through a script that does not `exec` (a shell wrapper) is stopped with its script, and when the
/// runtime's process ends whatever it left in its group is killed, as Lambda ends a sandbox. (Its
/// orphans would otherwise go on asking the slot's Runtime API for work as if they were the new
/// process.) A Ctrl-C at the terminal reaches the emulator only, which stops the runtimes in order.
final class RuntimeProcess: @unchecked Sendable {
    let pid: pid_t
    /// What the runtime writes to its stdout and stderr.
    let output: RuntimeOutput
    /// Whether its limit on open files was set to Lambda's quota (`OpenFileLimit`).
    let hasLambdaFileQuota: Bool
    private let exited = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var running = true
    /// The peak resident memory (kB) the reaped process's resource usage gave; nil until then.
    private var exitedPeakKB: Int?

    /// `collectsOutput`: keep what the process writes from its first byte, for the tail of the
    /// invocation it is started for (see `RuntimeOutput`).
    init(command: [String], environment: [String: String], directory: String?, collectsOutput: Bool = false,
         onExit: @escaping @Sendable (ProcessStatus) -> Void) throws {
        guard let executable = command.first else {
            throw EmulatorError(.badCommand, "no runtime command given")
        }
        let path = Self.resolve(executable, path: environment["PATH"])
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        // The runtime's stdout (logs, EMF records) and stderr come to us through a pipe, passed on
        // to our stderr (our stdout stays the caller's) and kept for a caller that asks for its
        // invocation's log.
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        // Lambda runs a function from its task root; runtimes resolve handler modules from there.
        if let directory {
            guard let addChdir = GlibcExtensions.addChdir, addChdir(&fileActions, directory) == 0 else {
                throw EmulatorError(.badCommand, "cannot start the runtime in '\(directory)'")
            }
        }
        // Made once nothing else can fail before the spawn, which hands its ends on.
        let output = try RuntimeOutput(keptLimit: InvocationLogTail.limit, collecting: collectsOutput)
        posix_spawn_file_actions_adddup2(&fileActions, output.writeEnd, 1)
        posix_spawn_file_actions_adddup2(&fileActions, output.writeEnd, 2)
        // No stdin, as on Lambda: in a process group of its own, a runtime reading the terminal would be stopped (SIGTTIN).
        posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        // Nothing else of ours leaks into the runtime: not our listening sockets, and not the pipes
        // of whoever started us, which a runtime outliving us would otherwise hold open.
        if let addCloseFrom = GlibcExtensions.addCloseFrom { _ = addCloseFrom(&fileActions, 3) }

        let arguments = command.map { strdup($0) } + [nil]
        let variables = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (arguments + variables).forEach { free($0) } }
        var child = pid_t()
        let result = posix_spawn(&child, path, &fileActions, &attributes, arguments, variables)
        // Reads until the child and its group have closed the pipe (at once, when it did not start).
        output.startReading()
        self.output = output
        guard result == 0 else {
            throw EmulatorError(.badCommand, "could not start runtime '\(command.joined(separator: " "))': \(String(cString: strerror(result)))")
        }
        hasLambdaFileQuota = OpenFileLimit.applyLambdaQuota(to: child)
        self.pid = child
        let spawned = child
        let watcher = Thread { [self] in
            // The leader is left unreaped (a zombie) while what remains of its group is killed and
            // `running` cleared: until it is reaped, its id cannot be given to another process or group.
            Self.waitForExitWithoutReaping(spawned)
            kill(-spawned, SIGKILL)
            lock.lock()
            running = false
            lock.unlock()
            // Reaped and its peak kept under the lock: a reader sees the live process or its peak,
            // never a reused pid in between. (The reap cannot block: waitid saw the exit.)
            lock.lock()
            let (status, peakKB) = Self.waitForExit(spawned)
            exitedPeakKB = peakKB
            lock.unlock()
            // Its group is gone; a daemon it started outside the group would keep the pipe (and its
            // reader) for as long as it lives.
            output.stop()
            exited.signal()
            onExit(status)
        }
        watcher.name = "runtime-\(child)"
        watcher.start()
    }

    var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    /// Sends `signal` to the runtime's process group while the runtime runs.
    func signal(_ signal: Int32) {
        if isRunning { kill(-pid, signal) }
    }

    /// SIGTERM to every one of `processes` at once, then SIGKILL to those still running `grace`
    /// seconds later; returns once all have ended. Blocks the calling thread all that time.
    static func terminate(_ processes: [RuntimeProcess], grace: Double) {
        for process in processes { process.signal(SIGTERM) }
        let deadline = DispatchTime.now() + grace
        for process in processes where !process.waitForExit(until: deadline) { process.signal(SIGKILL) }
        for process in processes { _ = process.waitForExit(until: .distantFuture) }
    }

    /// Whether the process ended by `deadline` (the exit stays signalled for other waiters).
    private func waitForExit(until deadline: DispatchTime) -> Bool {
        guard exited.wait(timeout: deadline) == .success else { return false }
        exited.signal()
        return true
    }

    private static func waitForExitWithoutReaping(_ pid: pid_t) {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1 && errno == EINTR {}
    }

    /// Reaps the process: how it ended, and its peak resident memory (kB) from its resource usage.
    private static func waitForExit(_ pid: pid_t) -> (ProcessStatus, Int?) {
        var status: Int32 = 0
        var usage = rusage()
        var reaped: pid_t
        repeat { reaped = wait4(pid, &status, 0, &usage) } while reaped == -1 && errno == EINTR
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
        let signal = status & 0x7f
        return (signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal), reaped == pid ? Int(usage.ru_maxrss) : nil)
    }

    /// The process's peak resident memory so far, in MB (1 MB = 1024 kB, as Lambda counts): VmHWM
    /// while it runs (its own children not counted), its resource usage once it has been reaped
    /// (wait4's: the larger of its own peak and its largest waited-for child's); nil in between, or when neither
    /// can be read.
    var peakResidentMB: Int? {
        lock.lock()
        defer { lock.unlock() }
        guard let kilobytes = exitedPeakKB ?? Self.highWaterMarkKB(of: pid) else { return nil }
        return (kilobytes + 1023) / 1024
    }

    /// VmHWM from /proc/PID/status, in kB; nil once the process has ended (a zombie has none).
    private static func highWaterMarkKB(of pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        // "VmHWM:\t   5432 kB": a tab, then spaces.
        return Int(line.dropFirst("VmHWM:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
    }

    /// A bare name is looked up on PATH, as a shell would; a path is used as it is.
    private static func resolve(_ executable: String, path: String?) -> String {
        guard !executable.contains("/") else { return executable }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(executable)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return executable
    }
}
