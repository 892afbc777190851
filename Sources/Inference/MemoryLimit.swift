// The memory this process may use. A tensor a model asks for beyond it is an error that names the
// node: allocated, it would be zeroed page by page until the kernel killed the process (on Lambda,
// Runtime.OutOfMemory with the sandbox gone, and no word on which model or node asked for it).
#if canImport(Glibc)
import Glibc
#endif

public enum MemoryLimit {
    /// Bytes this process may use: the smallest of the function's memory on Lambda
    /// (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, in MB), the cgroup's limit (`memory.max` of cgroup v2, or
    /// v1's `memory.limit_in_bytes`, which says "no limit" with a number near 2^63), and the machine's RAM.
    public static let bytes: Int = bytes(functionMemoryMB: getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").map { String(cString: $0) },
                                         cgroupMax: firstLine(of: "/sys/fs/cgroup/memory.max")
                                             ?? firstLine(of: "/sys/fs/cgroup/memory/memory.limit_in_bytes"),
                                         physicalBytes: physicalMemory())

    /// The error for `what` needing `needed` bytes, past `limit`.
    static func exceeded(_ what: String, needed: Int, limit: Int = bytes) -> InferenceError {
        InferenceError(.exceedsMemory, "\(what) needs \(needed) bytes, more than the \(limit) bytes this process may use (the least of the function's memory, the cgroup's limit and RAM)")
    }

    /// The limit the three sources give; a source that is absent, unreadable or "max" sets none.
    static func bytes(functionMemoryMB: String?, cgroupMax: String?, physicalBytes: Int) -> Int {
        var limit = physicalBytes > 0 ? physicalBytes : Int.max
        if let megabytes = functionMemoryMB.flatMap({ Int($0) }), megabytes > 0, megabytes < Int.max >> 20 {
            limit = min(limit, megabytes << 20)
        }
        if let cgroupBytes = cgroupMax.flatMap({ Int($0) }), cgroupBytes > 0 {
            limit = min(limit, cgroupBytes)
        }
        return limit
    }

    /// The machine's RAM; 0 (no limit from it) when sysconf cannot tell.
    private static func physicalMemory() -> Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return 0 }
        return pages.multipliedSaturating(by: pageSize)
    }

    private static func firstLine(of path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 64)
        guard fgets(&line, Int32(line.count), file) != nil else { return nil }
        return String(decoding: line.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
