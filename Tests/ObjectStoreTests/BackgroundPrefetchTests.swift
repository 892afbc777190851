// Prefetches in the background: reads go on beside them, wait for their bytes, and never fetch
// twice; a failed one leaves its bytes to the reads.
import Dispatch
import Synchronization
import XCTest
@testable import ObjectStore

final class BackgroundPrefetchTests: XCTestCase {
    /// An object in memory whose several-range fetches (the prefetches) wait for `gate` to open
    /// before each range, and fail the ranges starting at `failing`; every request is logged, under
    /// a lock since fetches run on other threads.
    private final class GatedObject: RemoteObject, @unchecked Sendable {
        let uri = "memory://gated"
        let bytes: [UInt8]
        let gate = DispatchSemaphore(value: 0)
        let failing: Set<Int64>
        let singleRanges = Mutex<[Range<Int64>]>([])
        let rangeBatches = Mutex<[[Range<Int64>]]>([])

        init(size: Int, failing: Set<Int64> = []) {
            bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
            self.failing = failing
        }

        func fetch(_ range: Range<Int64>) throws -> (bytes: [UInt8], totalSize: Int64) {
            singleRanges.withLock { $0.append(range) }
            return (slice(range), Int64(bytes.count))
        }

        func fetch(_ ranges: [Range<Int64>], landing: @escaping (Int, Result<[UInt8], Error>) -> Void) {
            rangeBatches.withLock { $0.append(ranges) }
            for (index, range) in ranges.enumerated() {
                // A fetch the test did not expect fails instead of hanging the test.
                guard gate.wait(timeout: .now() + 10) == .success else {
                    landing(index, .failure(ObjectStoreError(.network, uri: uri, "\(range) was never let through")))
                    continue
                }
                if failing.contains(range.lowerBound) {
                    landing(index, .failure(ObjectStoreError(.network, uri: uri, "connection reset")))
                } else {
                    landing(index, .success(slice(range)))
                }
            }
        }

        func fetchAll(maximumBytes: Int64) throws -> [UInt8] { bytes }

        func slice(_ range: Range<Int64>) -> [UInt8] {
            Array(bytes[min(Int(range.lowerBound), bytes.count)..<min(Int(range.upperBound), bytes.count)])
        }
    }

    private func read(_ reader: ObjectReader, _ range: Range<Int64>) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: range.count)
        let copied = try buffer.withUnsafeMutableBytes { try reader.read(at: range.lowerBound, into: $0) }
        return Array(buffer.prefix(copied))
    }

    /// A read on a thread of its own: `done` is left when `bytes` holds what it read.
    private final class BackgroundRead: @unchecked Sendable {
        let done = DispatchGroup()
        private let result = Mutex<[UInt8]?>(nil)
        var bytes: [UInt8]? { result.withLock { $0 } }

        init(_ reader: ObjectReader, _ range: Range<Int64>) {
            done.enter()
            Thread.detachNewThread { [self] in
                var buffer = [UInt8](repeating: 0, count: range.count)
                let copied = buffer.withUnsafeMutableBytes { try? reader.read(at: range.lowerBound, into: $0) }
                result.withLock { $0 = copied.map { Array(buffer.prefix($0)) } }
                done.leave()
            }
        }

        func finished(within seconds: Double) -> Bool { done.wait(timeout: .now() + seconds) == .success }
    }

    func testReadsGoOnBesideAPrefetchAndWaitForItsBytesInsteadOfFetchingThem() throws {
        let object = GatedObject(size: 50_000)
        let shared = SharedObjectReader(try RangeObjectReader(object: object, maximumBytes: .max, blockSize: 1000,
                                                                  coalesceGapBytes: 2000))
        shared.prefetchInBackground([10_200..<11_500, 30_000..<30_100])

        // Not in flight: fetched at once, though the prefetch holds its connections open.
        XCTAssertEqual(try read(shared, 20_000..<20_010), object.slice(20_000..<20_010))
        // In flight: this read waits for the prefetch.
        let waiting = BackgroundRead(shared, 10_500..<11_200)
        XCTAssertFalse(waiting.finished(within: 0.2), "the read did not wait for the bytes in flight")
        // A synchronous prefetch of blocks in flight leaves them to the background one.
        try shared.prefetch([11_000..<12_000])

        for _ in 0..<2 { object.gate.signal() }
        XCTAssertTrue(waiting.finished(within: 10))
        shared.waitForBackgroundPrefetches()
        XCTAssertEqual(waiting.bytes, object.slice(10_500..<11_200))
        XCTAssertEqual(try read(shared, 30_000..<30_100), object.slice(30_000..<30_100))
        XCTAssertEqual(object.rangeBatches.withLock { $0 }, [[10_000..<12_000, 30_000..<31_000]])
        XCTAssertEqual(object.singleRanges.withLock { $0 }, [0..<1000, 20_000..<21_000],
                       "a block in flight was fetched again")
        XCTAssertEqual(shared.statistics.requests, 4)
        XCTAssertEqual(shared.statistics.bytesFetched, 5000)
    }

    func testAFailedPrefetchLeavesItsBytesToTheReads() throws {
        let object = GatedObject(size: 50_000, failing: [5000])
        let shared = SharedObjectReader(try RangeObjectReader(object: object, maximumBytes: .max, blockSize: 1000,
                                                                  coalesceGapBytes: 2000))
        shared.prefetchInBackground([5000..<7000])
        let waiting = BackgroundRead(shared, 5500..<6500)
        object.gate.signal()
        XCTAssertTrue(waiting.finished(within: 10))
        shared.waitForBackgroundPrefetches()
        XCTAssertEqual(waiting.bytes, object.slice(5500..<6500))
        XCTAssertEqual(object.singleRanges.withLock { $0 }.last, 5000..<7000, "the read fetched what the prefetch lost")
        XCTAssertEqual(shared.statistics.bytesFetched, 1000 + 2000, "only bytes that arrived count")
    }

    /// Runs land one by one: a read of the first goes on while the second is still on its way, and
    /// a run that fails leaves the others cached.
    func testEachRunLandsAsItArrivesAndAFailedOneAloneIsFetchedAgain() throws {
        let object = GatedObject(size: 50_000, failing: [20_000])
        let shared = SharedObjectReader(try RangeObjectReader(object: object, maximumBytes: .max, blockSize: 1000,
                                                                  coalesceGapBytes: 2000))
        shared.prefetchInBackground([10_000..<11_000, 20_000..<21_000, 30_000..<31_000])
        let first = BackgroundRead(shared, 10_000..<11_000)
        let third = BackgroundRead(shared, 30_000..<31_000)
        object.gate.signal()
        XCTAssertTrue(first.finished(within: 10), "the first run's read waited for the others")
        XCTAssertFalse(third.finished(within: 0.2), "the third run's read did not wait for it")
        for _ in 0..<2 { object.gate.signal() }
        XCTAssertTrue(third.finished(within: 10))
        shared.waitForBackgroundPrefetches()
        XCTAssertEqual(first.bytes, object.slice(10_000..<11_000))
        XCTAssertEqual(third.bytes, object.slice(30_000..<31_000))
        XCTAssertEqual(try read(shared, 20_000..<21_000), object.slice(20_000..<21_000))
        XCTAssertEqual(object.singleRanges.withLock { $0 }, [0..<1000, 20_000..<21_000], "only the failed run was fetched again")
    }

    func testBackgroundPrefetchesRunInTheOrderTheyWereStarted() throws {
        let object = GatedObject(size: 50_000)
        let shared = SharedObjectReader(try RangeObjectReader(object: object, maximumBytes: .max, blockSize: 1000,
                                                                  coalesceGapBytes: 2000))
        shared.prefetchInBackground([40_000..<40_500])
        shared.prefetchInBackground([3000..<3500])
        shared.prefetchInBackground([3200..<3300, 9000..<9100])
        for _ in 0..<3 { object.gate.signal() }
        shared.waitForBackgroundPrefetches()
        XCTAssertEqual(object.rangeBatches.withLock { $0 }, [[40_000..<41_000], [3000..<4000], [9000..<10_000]])
    }

    func testBlocksInFlightCountAgainstHalfTheCache() throws {
        let object = MemoryObject(size: 100_000)
        let reader = try RangeObjectReader(object: object, maximumBytes: .max, blockSize: 1000, cacheBytes: 20_000,
                                           coalesceGapBytes: 0)
        let planned = try XCTUnwrap(reader.planPrefetch([10_000..<16_000]))
        XCTAssertNil(reader.planPrefetch([12_000..<13_000]), "those blocks are in flight already")
        // Half the cache is 10 blocks, 6 of them in flight: 4 more.
        try reader.prefetch([30_000..<40_000])
        XCTAssertEqual(object.batches, [[30_000..<34_000]])
        planned.fetch { run, result in reader.land(planned, run: run, result) }
        XCTAssertEqual(object.batches.last, [10_000..<16_000])
        XCTAssertNil(reader.inFlightRun(overlapping: 0..<100_000))
        XCTAssertEqual(try read(reader, 10_000..<16_000), object.bytes[10_000..<16_000].map { $0 })
        XCTAssertEqual(object.batches.count, 2, "the landed blocks were cached")
    }

    func testPrefetchedBlocksNotYetReadCountAgainstHalfTheCache() throws {
        let object = MemoryObject(size: 100_000)
        let reader = try RangeObjectReader(object: object, maximumBytes: .max, blockSize: 1000, cacheBytes: 20_000,
                                           coalesceGapBytes: 0)
        try reader.prefetch([10_000..<17_000])
        // 7 of the 10 blocks prefetches may fill are cached and unread: 3 more.
        try reader.prefetch([30_000..<40_000])
        XCTAssertEqual(object.batches.last, [30_000..<33_000])
        // Read, they no longer count.
        _ = try read(reader, 10_000..<17_000)
        try reader.prefetch([50_000..<60_000])
        XCTAssertEqual(object.batches.last, [50_000..<57_000])
        // The reads found every prefetched block, none evicted.
        let requests = object.requests.count
        XCTAssertEqual(try read(reader, 30_000..<33_000), Array(object.bytes[30_000..<33_000]))
        XCTAssertEqual(try read(reader, 50_000..<57_000), Array(object.bytes[50_000..<57_000]))
        XCTAssertEqual(object.requests.count, requests)
    }

    /// FFmpeg may seek anywhere: a read far past the end (where offset + count overflows) or before
    /// the start is an empty read, not a trap.
    func testReadsOutsideTheObjectAreEmpty() throws {
        let object = GatedObject(size: 5000)
        let shared = SharedObjectReader(try RangeObjectReader(object: object, maximumBytes: .max, blockSize: 1000))
        var buffer = [UInt8](repeating: 0, count: 100)
        for offset in [Int64.max - 10, 5000, -1] {
            XCTAssertEqual(try buffer.withUnsafeMutableBytes { try shared.read(at: offset, into: $0) }, 0, "at \(offset)")
        }
    }

    func testAFileReaderPrefetchesNothingInTheBackground() throws {
        let path = NSTemporaryDirectory() + "background-prefetch-\(getpid()).bin"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data([1, 2, 3, 4])))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let shared = SharedObjectReader(try FileObjectReader(uri: path, realPath: path, maximumBytes: .max))
        shared.prefetchInBackground([0..<4])
        shared.waitForBackgroundPrefetches()
        XCTAssertEqual(try read(shared, 1..<3), [2, 3])
    }
}
