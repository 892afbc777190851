// `_X_AMZN_TRACE_ID` for the duration of each invocation, without the process growing per invocation.
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `_X_AMZN_TRACE_ID` holds the current invocation's trace header, for X-Ray SDKs in the process.
///
/// setenv would do, but glibc's keeps every "name=value" string it ever made (to hand it back should
/// the same value be set again), and each invocation has a new trace id: the runtime grew ~115 bytes
/// per invocation, 1.4 MB every 12 000 (`bench runtime`, VmRSS sampled). The variable points at one
/// buffer of ours instead (putenv), rewritten for each invocation and replaced only by a longer value.
enum TraceEnvironment {
    static let name = "_X_AMZN_TRACE_ID"

    private static let entry = Mutex(EntryBuffer())

    /// Sets the variable to `traceID`, or removes it for nil (between invocations).
    static func set(_ traceID: String?) {
        entry.withLock { buffer in
            guard let traceID else {
                unsetenv(name)
                return
            }
            // Removed between invocations, so environ does not point at the buffer while it is rewritten.
            unsetenv(name)
            putenv(buffer.holding(Array("\(name)=\(traceID)".utf8CString)))
        }
    }
}

/// One "name=value" C string for environ to point at.
private struct EntryBuffer: ~Copyable {
    private var storage: UnsafeMutablePointer<CChar>?
    private var capacity = 0

    init() {}

    /// The buffer, now holding `text` (NUL-terminated): this one when it fits, else a larger one.
    /// Callers take the variable out of environ first, so the buffer it replaces is free to go.
    mutating func holding(_ text: [CChar]) -> UnsafeMutablePointer<CChar> {
        if text.count > capacity {
            storage?.deallocate()
            capacity = max(text.count, 256)
            storage = .allocate(capacity: capacity)
        }
        storage!.update(from: text, count: text.count)
        return storage!
    }
}
