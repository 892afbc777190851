// The process's arguments as the kernel holds them (/proc/self/cmdline). With the standard library
// linked in statically (the deploy build), Swift's CommandLine finds argv by walking back from
// `environ` in a static initializer; a constructor that runs setenv before it (COpenBLASLoader's
// does on Zen 4) moves `environ` to the heap, and CommandLine.arguments comes back with nothing:
// the image's CMD, which names the function, was lost and init failed as InvalidEntrypoint.
#if canImport(Glibc)
import Glibc
#endif

public enum ProcessArguments {
    /// The arguments, the program's name first; CommandLine's where /proc is not mounted.
    public static func current() -> [String] {
        guard let bytes = contents(of: "/proc/self/cmdline"), !bytes.isEmpty else { return CommandLine.arguments }
        return split(bytes)
    }

    /// Arguments as /proc/self/cmdline lays them out: each one ended by a NUL (empty ones included).
    static func split(_ bytes: [UInt8]) -> [String] {
        var arguments = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if bytes.last == 0 { arguments.removeLast() }
        return arguments
    }

    private static func contents(of path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }
}
