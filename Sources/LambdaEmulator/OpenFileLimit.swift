// Limits on open files: the emulator's own raised as far as the system lets it, and each runtime's
// set to Lambda's quota.
#if canImport(Glibc)
import Glibc
#endif

enum OpenFileLimit {
    /// Lambda's quota of file descriptors per execution environment (soft and hard limit alike).
    static let lambdaQuota: rlim_t = 1024

    /// Raises this process's soft limit on open files to its hard limit, as Go programs do at start.
    /// Every runtime slot holds descriptors (its listeners, its runtime's connection and output pipe)
    /// and every waiting caller one more: at the usual soft limit of 1024 a few hundred slots would
    /// run out, where the hard limit is usually far higher. Runtimes do not inherit it (below).
    static func raiseOwnToHardLimit() {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(resource, &limit)
    }

    /// Gives a started runtime Lambda's quota (no more than its hard limit allows): a function that
    /// leaks descriptors fails here as it would on Lambda, not only once deployed, whatever limit
    /// the emulator runs with. posix_spawn cannot set a limit, so it is set just after the child
    /// starts; a lookup failure or a child already gone leaves its limit as inherited.
    static func applyLambdaQuota(to pid: pid_t) {
        guard let prlimit = Self.prlimit else { return }
        var current = rlimit()
        guard prlimit(pid, resource, nil, &current) == 0 else { return }
        let value = Swift.min(lambdaQuota, current.rlim_max)
        var quota = rlimit(rlim_cur: value, rlim_max: value)
        _ = prlimit(pid, resource, &quota, nil)
    }

    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)

    /// glibc's prlimit, which Swift's Glibc module leaves out because it sits behind _GNU_SOURCE;
    /// looked up once by name.
    private typealias Prlimit = @convention(c) (pid_t, __rlimit_resource_t, UnsafePointer<rlimit>?, UnsafeMutablePointer<rlimit>?) -> Int32
    private static let prlimit: Prlimit? = dlsym(nil, "prlimit").map { unsafeBitCast($0, to: Prlimit.self) }
}
