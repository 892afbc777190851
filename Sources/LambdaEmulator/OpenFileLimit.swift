// Limits on open files: the emulator's own raised as far as the system lets it, and each runtime's
// set to Lambda's quota.
#if canImport(Glibc)
import Glibc
#endif

enum OpenFileLimit {
    /// Lambda's quota of file descriptors per execution environment (soft and hard limit alike).
    static let lambdaQuota: rlim_t = 1024

    /// Raises this process's soft limit on open files to its hard limit; true when the soft limit
    /// now is the hard limit. Every runtime slot holds descriptors (its listeners, its runtime's
    /// connection and output pipe) and every waiting caller one more: at the usual soft limit of
    /// 1024 a few hundred slots would run out, where the hard limit is usually far higher. Only
    /// where each runtime's limit can be set (below): runtimes must not inherit the raised one.
    static func raiseOwnToHardLimit() -> Bool {
        var limit = rlimit()
        guard GlibcExtensions.prlimit != nil, getrlimit(resource, &limit) == 0 else { return false }
        guard limit.rlim_cur < limit.rlim_max else { return true }
        limit.rlim_cur = limit.rlim_max
        return setrlimit(resource, &limit) == 0
    }

    /// Gives a started runtime Lambda's quota (no more than its hard limit allows): a function that
    /// leaks descriptors fails here as it would on Lambda, not only once deployed, whatever limit
    /// the emulator runs with. posix_spawn cannot set a limit, so it is set just after the child
    /// starts. False when it could not be set (no prlimit, or the child refuses it: a setuid
    /// program), and the runtime keeps the limit it inherited.
    static func applyLambdaQuota(to pid: pid_t) -> Bool {
        guard let prlimit = GlibcExtensions.prlimit else { return false }
        var current = rlimit()
        guard prlimit(pid, resource, nil, &current) == 0 else { return false }
        let value = Swift.min(lambdaQuota, current.rlim_max)
        var quota = rlimit(rlim_cur: value, rlim_max: value)
        return prlimit(pid, resource, &quota, nil) == 0
    }

    static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
}
