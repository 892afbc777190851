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

    /// Cores the kernels use: those this process may run on (sched_getaffinity), and on Lambda no
    /// more than the CPU its memory setting buys (`lambdaCPUs`).
    public static var availableCores: Int {
        let affinity = Int(vl_affinity_cpu_count())
        let budget = lambdaCPUs(memoryMB: getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").map { String(cString: $0) })
        return max(1, min(affinity, budget ?? affinity))
    }

    /// The vCPUs' worth of CPU time a Lambda function of `memoryMB` gets, to the nearest whole one
    /// (at least 1); nil off Lambda. Lambda allots CPU time in proportion to memory, one vCPU per
    /// 1769 MB, but shows a function more cores than that (2 from 128 MB to 3008): threads beyond
    /// the allotment share it, and the model's threads, which split each layer evenly, all wait for
    /// the one the throttling holds back.
    static func lambdaCPUs(memoryMB: String?) -> Int? {
        guard let memoryMB, let megabytes = Int(memoryMB), megabytes > 0 else { return nil }
        return max(1, Int((Double(megabytes) / 1769).rounded()))
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
