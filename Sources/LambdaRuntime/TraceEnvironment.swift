// `_X_AMZN_TRACE_ID` for the duration of each invocation, without the process growing per invocation.
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `_X_AMZN_TRACE_ID` holds the current invocation's trace header, for X-Ray SDKs in the process.
///
/// setenv would do, but glibc's keeps every "name=value" string it ever made (to hand it back should
/// the same value be set again), and each invocation has a new trace id: the runtime grew ~115 bytes
/// per invocation, 1.4 MB every 12 000 (`bench runtime`, VmRSS sampled). The variable points at a
/// buffer of ours instead (putenv). Two take turns, so a value read with getenv during one
/// invocation stays as it was through the next; a buffer too small for a value is kept, not freed
/// (a pointer into it may still be held), and its successor is twice as large, so there are at most
/// a handful (a trace header is at most the 64 KB of a response head).
enum TraceEnvironment {
    static let name = "_X_AMZN_TRACE_ID"

    private static let buffers = Mutex(AlternatingBuffers())

    /// Sets the variable to `traceID`, or removes it for nil (between invocations).
    static func set(_ traceID: String?) {
        buffers.withLock { buffers in
            // Out of environ before a buffer is rewritten, so environ never points at a half-written one.
            unsetenv(name)
            if let traceID { putenv(buffers.next(holding: Array("\(name)=\(traceID)".utf8CString))) }
        }
    }
}

/// Two "name=value" C strings for environ to point at, used in turn.
private struct AlternatingBuffers: ~Copyable {
    private var slots: [(storage: UnsafeMutablePointer<CChar>, capacity: Int)] = []
    private var turn = 0

    init() {}

    /// The next buffer in turn, now holding `text` (NUL-terminated).
    mutating func next(holding text: [CChar]) -> UnsafeMutablePointer<CChar> {
        turn = (turn + 1) % 2
        if slots.count < 2 {
            slots.append((.allocate(capacity: max(text.count, 256)), max(text.count, 256)))
            turn = slots.count - 1
        } else if text.count > slots[turn].capacity {
            // The old one is left allocated on purpose: see TraceEnvironment.
            let capacity = max(text.count, slots[turn].capacity * 2)
            slots[turn] = (.allocate(capacity: capacity), capacity)
        }
        slots[turn].storage.update(from: text, count: text.count)
        return slots[turn].storage
    }
}
