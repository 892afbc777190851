// How kernels parallelise: how many threads they may use, and a loop that splits work across them.
import COpenBLAS
import Dispatch
import Glibc

/// Parallelism for kernels. The default uses every core the process may run on (its CPU affinity,
/// which container limits set), not every core of the machine.
public struct KernelContext: Sendable {
    public let threads: Int
    /// More threads than this are taken as this many: kernels size per-thread work with them
    /// (`--threads 40000000000000000` overflowed a product), and no machine has more cores.
    public static let maximumThreads = 1024
    /// Scratch memory kernels reuse between calls (im2col columns), so a planned run allocates nothing.
    public let workspace: Workspace

    public init(threads: Int, workspace: Workspace = Workspace()) {
        // Loads OpenBLAS (single-threaded) for the kernels; a session has already reported it missing.
        _ = try? BLASLibrary.load()
        self.threads = min(Self.maximumThreads, max(1, threads))
        self.workspace = workspace
    }

    public static var singleThreaded: KernelContext { KernelContext(threads: 1) }

    /// Cores this process may run on, from sched_getaffinity.
    public static var availableCores: Int {
        Int(vl_affinity_cpu_count())
    }

    /// Runs `body(range)` over `0..<count` split into at most `threads` contiguous chunks, inline when
    /// the work is too small to be worth a thread (`minimumChunk` items).
    public func parallelFor(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = min(threads, max(1, count / max(1, minimumChunk)))
        if chunks <= 1 || count <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        forEachChunk(count, chunks: chunks) { _, range in body(range) }
    }

    /// Runs `body(index, range)` on `chunks` contiguous, near-equal parts of `0..<count` at once; the
    /// index lets each part use its own slice of scratch memory.
    public func forEachChunk(_ count: Int, chunks: Int, _ body: (Int, Range<Int>) -> Void) {
        let size = (count + chunks - 1) / max(1, chunks)
        if chunks <= 1 {
            if count > 0 { body(0, 0..<count) }
            return
        }
        let part = { (chunk: Int) in
            let start = chunk * size
            let end = min(count, start + size)
            if start < end { body(chunk, start..<end) }
        }
        // The pool's threads are already awake during a run; a loop started inside another (or
        // while another session's loop runs) goes to libdispatch instead.
        if !WorkerPool.shared.run(chunks, part) {
            DispatchQueue.concurrentPerform(iterations: chunks, execute: part)
        }
    }
}
