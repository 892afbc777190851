// Several threads reading one object through a SharedObjectReader: right bytes, one call at a time.
import Dispatch
import ObjectStore
import Synchronization
import XCTest

final class SharedObjectReaderTests: XCTestCase {
    /// An object of known bytes (byte i is i % 251) whose reads take a little while and record
    /// whether two ever ran at once: it is not thread-safe, like the readers the wrapper protects.
    private final class SlowReader: ObjectReader, @unchecked Sendable {
        let uri = "memory://object"
        let size: Int64 = 1 << 20
        var statistics = ReadStatistics()
        let inside = Atomic<Int>(0)
        let overlaps = Atomic<Int>(0)

        func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            if inside.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue > 1 {
                overlaps.wrappingAdd(1, ordering: .relaxed)
            }
            defer { inside.wrappingSubtract(1, ordering: .sequentiallyConsistent) }
            let count = Int(max(0, min(Int64(buffer.count), size - offset)))
            for index in 0..<count { buffer[index] = UInt8((offset + Int64(index)) % 251) }
            usleep(50)
            statistics.requests += 1
            statistics.bytesRead += Int64(count)
            return count
        }
    }

    func testConcurrentReadsAreSerialisedAndGetTheirOwnBytes() {
        let base = SlowReader()
        let shared = SharedObjectReader(base)
        XCTAssertEqual(shared.size, base.size)
        XCTAssertEqual(shared.uri, base.uri)
        let wrong = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            var buffer = [UInt8](repeating: 0, count: 1000)
            for step in 0..<200 {
                let offset = Int64((thread * 7919 + step * 104_729) % (1 << 20))
                let count = buffer.withUnsafeMutableBytes { (try? shared.read(at: offset, into: $0)) ?? -1 }
                let expected = Int(min(1000, (1 << 20) - offset))
                if count != expected || (0..<count).contains(where: { buffer[$0] != UInt8((offset + Int64($0)) % 251) }) {
                    wrong.wrappingAdd(1, ordering: .relaxed)
                }
            }
        }
        XCTAssertEqual(wrong.load(ordering: .relaxed), 0, "reads returned the wrong bytes")
        XCTAssertEqual(base.overlaps.load(ordering: .relaxed), 0, "two reads ran inside the reader at once")
        XCTAssertEqual(shared.statistics.requests, 800)
    }
}
