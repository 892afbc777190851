// One object reader that several threads read through: each call takes a lock.
import Synchronization

/// Lets several decoders of one video (each with its own demuxer, on its own thread) read one
/// object through one reader, so that its block cache, read-ahead and statistics are shared: bytes
/// one decoder fetched (the container header, a prefetched span) are not fetched again for another.
///
/// Calls are serialised: a read that misses the cache holds the lock while it fetches. The readers
/// behind this are fast on hits (a copy) and callers prefetch what they will read, so waiting on a
/// fetch is rare; making the remote reader itself concurrent is not worth its complexity.
public final class SharedObjectReader: ObjectReader, @unchecked Sendable {
    private let base: Mutex<ObjectReader>
    public let uri: String
    public let size: Int64

    public init(_ reader: ObjectReader) {
        uri = reader.uri
        size = reader.size
        base = Mutex(reader)
    }

    public func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try base.withLock { try $0.read(at: offset, into: buffer) }
    }

    public var statistics: ReadStatistics {
        base.withLock { $0.statistics }
    }

    public func prefetch(_ ranges: [Range<Int64>]) throws {
        try base.withLock { try $0.prefetch(ranges) }
    }
}
