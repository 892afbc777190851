// The block cache and read-ahead of remote readers, against an in-memory object that counts requests.
import XCTest
@testable import ObjectStore

/// An object served from memory, honouring ranges the way S3 does.
class MemoryObject: RemoteObject {
    let uri = "memory://object"
    var bytes: [UInt8]
    var requests: [Range<Int64>] = []

    init(size: Int) { bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) } }

    func fetch(_ range: Range<Int64>) throws -> (bytes: [UInt8], totalSize: Int64) {
        requests.append(range)
        let start = min(Int(range.lowerBound), bytes.count)
        let end = min(Int(range.upperBound), bytes.count)
        return (Array(bytes[start..<end]), Int64(bytes.count))
    }

    /// The ranges of each call to fetch several at once.
    var batches: [[Range<Int64>]] = []

    func fetch(_ ranges: [Range<Int64>], landing: @escaping (Int, Result<[UInt8], Error>) -> Void) {
        batches.append(ranges)
        for (index, range) in ranges.enumerated() { landing(index, Result { try fetch(range).bytes }) }
    }

    func fetchAll(maximumBytes: Int64) throws -> [UInt8] { bytes }
}

final class RangeObjectReaderTests: XCTestCase {
    private func read(_ reader: ObjectReader, at offset: Int64, count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let copied = try buffer.withUnsafeMutableBytes { try reader.read(at: offset, into: $0) }
        return Array(buffer.prefix(copied))
    }

    func testReadsAnyRangeExactly() throws {
        let object = MemoryObject(size: 10_000)
        let reader = try RangeObjectReader(object: object, maximumBytes: .max, blockSize: 1000, cacheBytes: 4000)
        XCTAssertEqual(reader.size, 10_000)
        for (offset, count) in [(0, 10), (995, 10), (2500, 3000), (9990, 100), (4321, 1)] {
            XCTAssertEqual(try read(reader, at: Int64(offset), count: count),
                           Array(object.bytes[offset..<min(10_000, offset + count)]), "\(offset)+\(count)")
        }
        XCTAssertEqual(try read(reader, at: 10_000, count: 5), [])
    }

    func testSequentialReadsGrowTheReadAheadAndSeeksResetIt() throws {
        let object = MemoryObject(size: 100_000)
        let reader = try RangeObjectReader(object: object, maximumBytes: .max, blockSize: 1000, cacheBytes: 64_000,
                                           maximumReadAheadBytes: 8000)
        for offset in stride(from: 1000, to: 30_000, by: 500) { _ = try read(reader, at: Int64(offset), count: 500) }
        // 29 blocks after the first, fetched as runs of 2, 4, 8, 8, 8 blocks (capped) instead of 29 requests.
        XCTAssertEqual(object.requests.map(\.count), [1000, 2000, 4000, 8000, 8000, 8000])
        _ = try read(reader, at: 80_000, count: 10)
        XCTAssertEqual(object.requests.last, 80_000..<81_000, "a seek fetches one block")
        XCTAssertEqual(reader.statistics.requests, object.requests.count)
        XCTAssertEqual(reader.statistics.bytesFetched, Int64(object.requests.reduce(0) { $0 + $1.count }))
    }

    func testPrefetchFetchesTheMissingRunsOfSeveralSpansAtOnce() throws {
        let object = MemoryObject(size: 50_000)
        let reader = try RangeObjectReader(object: object, maximumBytes: .max, blockSize: 1000, cacheBytes: 20_000,
                                           coalesceGapBytes: 2000)
        // Block 0 is cached from opening; overlapping spans share blocks; 1500..<2500 and 2400..<3100
        // make one run of blocks 1...3; block 9 is one block after block 7, so 7...9 is one run.
        try reader.prefetch([7000..<7100, 1500..<2500, 2400..<3100, 0..<10, 60_000..<61_000, 9500..<9600])
        XCTAssertEqual(object.batches, [[1000..<4000, 7000..<10_000]])
        XCTAssertEqual(try read(reader, at: 7000, count: 3000), Array(object.bytes[7000..<10_000]))
        let requests = object.requests.count
        XCTAssertEqual(try read(reader, at: 1500, count: 1600), Array(object.bytes[1500..<3100]))
        XCTAssertEqual(object.requests.count, requests, "prefetched blocks are read from the cache")
        XCTAssertEqual(reader.statistics.requests, object.requests.count)
        // At most half the cache (10 blocks) at once, so a prefetch never evicts its own blocks.
        try reader.prefetch([20_000..<40_000])
        XCTAssertEqual(object.batches.last, [20_000..<30_000])
    }

    func testTheFirstRequestFetchesTheOpeningBytes() throws {
        let object = MemoryObject(size: 50_000)
        let reader = try RangeObjectReader(object: object, maximumBytes: .max, blockSize: 1000, cacheBytes: 20_000,
                                           openingBytes: 4500)
        XCTAssertEqual(object.requests, [0..<5000], "whole blocks, one request")
        XCTAssertEqual(try read(reader, at: 0, count: 5000), Array(object.bytes[0..<5000]))
        XCTAssertEqual(object.requests.count, 1)
        // Reading on from there is sequential: the read-ahead grows from it.
        _ = try read(reader, at: 5000, count: 10)
        XCTAssertEqual(object.requests.last, 5000..<7000)
        // Never more than half the cache, and never past the end.
        _ = try RangeObjectReader(object: object, maximumBytes: .max, blockSize: 1000, cacheBytes: 20_000, openingBytes: 1 << 20)
        XCTAssertEqual(object.requests.last, 0..<10_000)
        let small = MemoryObject(size: 2500)
        let whole = try RangeObjectReader(object: small, maximumBytes: .max, blockSize: 1000, openingBytes: 8000)
        XCTAssertEqual(try read(whole, at: 0, count: 3000), small.bytes)
        XCTAssertEqual(small.requests.count, 1)
        XCTAssertEqual(try RangeObjectReader(object: MemoryObject(size: 0), maximumBytes: .max, blockSize: 1000, openingBytes: 8000).size, 0)
    }

    func testCachedBlocksAreNotFetchedAgainAndOldOnesAreEvicted() throws {
        let object = MemoryObject(size: 50_000)
        let reader = try RangeObjectReader(object: object, maximumBytes: .max, blockSize: 1000, cacheBytes: 3000)
        _ = try read(reader, at: 20_000, count: 10)
        let before = object.requests.count
        _ = try read(reader, at: 20_500, count: 10)
        XCTAssertEqual(object.requests.count, before)
        XCTAssertGreaterThan(reader.statistics.cacheHits, 0)
        for offset in [30_000, 40_000, 45_000] { _ = try read(reader, at: Int64(offset), count: 10) }
        _ = try read(reader, at: 20_000, count: 10)
        XCTAssertEqual(object.requests.last, 20_000..<21_000, "the least recently used block was evicted")
    }

    func testAnObjectThatShrinksIsAnError() throws {
        let object = MemoryObject(size: 10_000)
        let reader = try RangeObjectReader(object: object, maximumBytes: .max, blockSize: 1000)
        object.bytes.removeLast(5000)
        XCTAssertThrowsError(try read(reader, at: 8000, count: 100)) { error in
            XCTAssertEqual((error as? ObjectStoreError)?.code, .badResponse)
            XCTAssertTrue("\(error)".contains("truncated"), "\(error)")
        }
    }

    /// A server whose first answer is shorter than the size it claims (206 with 10 bytes of a
    /// "1 MB" object) is refused at once: reads used to copy past the end of the short block.
    func testAFirstAnswerShorterThanItsSizeIsAnError() {
        final class ShortObject: MemoryObject {
            override func fetch(_ range: Range<Int64>) throws -> (bytes: [UInt8], totalSize: Int64) {
                (Array(bytes.prefix(10)), 1_000_000)
            }
        }
        XCTAssertThrowsError(try RangeObjectReader(object: ShortObject(size: 100), maximumBytes: .max, blockSize: 1000)) { error in
            XCTAssertEqual((error as? ObjectStoreError)?.code, .badResponse)
            XCTAssertTrue("\(error)".contains("got 10"), "\(error)")
        }
    }

    func testRefusesObjectsOverTheLimitAfterOneRequest() {
        let object = MemoryObject(size: 10_000)
        XCTAssertThrowsError(try RangeObjectReader(object: object, maximumBytes: 9_999, blockSize: 1000)) { error in
            XCTAssertEqual((error as? ObjectStoreError)?.code, .tooLarge)
        }
        XCTAssertEqual(object.requests.count, 1)
    }
}
