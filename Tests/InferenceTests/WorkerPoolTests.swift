// The kernels' worker pool: every part of a loop runs once and its writes are seen by the caller,
// loops back to back and after the workers have gone to sleep, nested and concurrent loops.
import Dispatch
import XCTest
@testable import Inference

final class WorkerPoolTests: XCTestCase {
    /// Runs a loop of `parts` parts that each fill their own slice; checks every slot once.
    private func assertLoopCoversEveryPart(_ context: KernelContext, count: Int, line: UInt = #line) {
        var hits = [Int](repeating: 0, count: count)
        hits.withUnsafeMutableBufferPointer { hits in
            let base = hits.baseAddress!
            context.parallelFor(count) { range in
                for i in range { base[i] += i + 1 }
            }
        }
        XCTAssertEqual(hits, (0..<count).map { $0 + 1 }, line: line)
    }

    func testEveryPartRunsOnceLoopAfterLoop() {
        let context = KernelContext(threads: 4)
        for count in [2, 3, 4, 7, 1000] {
            for _ in 0..<200 { assertLoopCoversEveryPart(context, count: count) }
        }
        // Fewer threads than the pool has workers: the extra workers sit the loop out.
        for _ in 0..<200 { assertLoopCoversEveryPart(KernelContext(threads: 2), count: 10) }
        // Loops of 2 and 8 parts back to back, so workers that sit one loop out meet the next one at
        // once (each reads a loop's number and part count together; reading the count after the
        // number could pair one loop's number with the next loop's count and run a part twice).
        let (wide, narrow) = (KernelContext(threads: 8), KernelContext(threads: 2))
        for round in 0..<20000 { assertLoopCoversEveryPart(round % 2 == 0 ? narrow : wide, count: 8) }
    }

    func testWorkersWakeAfterSleeping() {
        let context = KernelContext(threads: 3)
        assertLoopCoversEveryPart(context, count: 3)
        // Past the polling window the workers sleep; the next loop must wake them.
        for _ in 0..<3 {
            usleep(UInt32(WorkerPool.pollNanoseconds / 1000) * 3)
            assertLoopCoversEveryPart(context, count: 3)
        }
    }

    func testNestedLoopRunsElsewhere() {
        let context = KernelContext(threads: 2)
        var sums = [Int](repeating: 0, count: 4)
        sums.withUnsafeMutableBufferPointer { sums in
            let base = sums.baseAddress!
            context.forEachChunk(4, chunks: 2) { _, outer in
                for i in outer {
                    // The pool is busy with the outer loop: the inner one goes to libdispatch.
                    var inner = [Int](repeating: 0, count: 8)
                    inner.withUnsafeMutableBufferPointer { inner in
                        let cells = inner.baseAddress!
                        context.parallelFor(8) { range in for j in range { cells[j] = j } }
                    }
                    base[i] = inner.reduce(0, +) + i
                }
            }
        }
        XCTAssertEqual(sums, [28, 29, 30, 31])
    }

    func testLoopsFromTwoThreadsAtOnce() {
        let context = KernelContext(threads: 2)
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            for _ in 0..<500 { assertLoopCoversEveryPart(context, count: 64) }
        }
    }

    /// On Lambda the kernels take as many threads as the memory buys vCPUs (one per 1769 MB), not
    /// the cores Lambda shows; off Lambda, the affinity mask decides.
    func testLambdaMemoryBuysThreads() {
        XCTAssertEqual(KernelContext.lambdaCPUs(memoryMB: "128"), 1)
        XCTAssertEqual(KernelContext.lambdaCPUs(memoryMB: "1769"), 1)
        XCTAssertEqual(KernelContext.lambdaCPUs(memoryMB: "3008"), 2)
        XCTAssertEqual(KernelContext.lambdaCPUs(memoryMB: "3538"), 2)
        XCTAssertEqual(KernelContext.lambdaCPUs(memoryMB: "10240"), 6)
        XCTAssertNil(KernelContext.lambdaCPUs(memoryMB: nil))
        XCTAssertNil(KernelContext.lambdaCPUs(memoryMB: "lots"))
    }
}
