// glibc functions that Swift's Glibc module leaves out because they sit behind _GNU_SOURCE (or
// came in later glibc versions), looked up by name once; nil where this glibc lacks them.
#if canImport(Glibc)
import Glibc
#endif

enum GlibcExtensions {
    /// posix_spawn_file_actions_addchdir_np (glibc 2.29+).
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    static let addChdir: AddChdir? = function("posix_spawn_file_actions_addchdir_np")

    /// posix_spawn_file_actions_addclosefrom_np (glibc 2.34+).
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    static let addCloseFrom: AddCloseFrom? = function("posix_spawn_file_actions_addclosefrom_np")

    /// prlimit: another process's resource limits, read and set.
    typealias Prlimit = @convention(c) (pid_t, __rlimit_resource_t, UnsafePointer<rlimit>?, UnsafeMutablePointer<rlimit>?) -> Int32
    static let prlimit: Prlimit? = function("prlimit")

    private static func function<T>(_ name: String) -> T? {
        dlsym(nil, name).map { unsafeBitCast($0, to: T.self) }
    }
}
