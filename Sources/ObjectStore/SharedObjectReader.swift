// One object reader that several threads read through: each call takes a lock.
import Dispatch
import Synchronization

/// Lets several decoders of one video (each with its own demuxer, on its own thread) read one
/// object through one reader, so that its block cache, read-ahead and statistics are shared: bytes
/// one decoder fetched (the container header, a prefetched span) are not fetched again for another.
///
/// Calls are serialised: a read that misses the cache holds the lock while it fetches. The readers
/// behind this are fast on hits (a copy) and callers prefetch what they will read, so waiting on a
/// fetch is rare. A prefetch started with `prefetchInBackground` is the exception: it fetches
/// without the lock, and a read that needs its bytes waits for them outside the lock.
public final class SharedObjectReader: ObjectReader, @unchecked Sendable {
    private let base: Mutex<ObjectReader>
    public let uri: String
    public let size: Int64
    /// Left when every background prefetch started so far has landed.
    private let backgroundPrefetches = DispatchGroup()
    /// Background prefetches run one after another, in the order they were started: a caller
    /// starts first what it reads first, and that lands before the server is busy with the rest.
    private let backgroundQueue = DispatchQueue(label: "background-prefetch")

    public init(_ reader: ObjectReader) {
        uri = reader.uri
        size = reader.size
        base = Mutex(reader)
    }

    public func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        // Outside the object nothing is in flight, and the sum could overflow (FFmpeg may seek anywhere).
        let range = offset >= 0 && offset < size ? offset..<(offset + Int64(buffer.count)) : 0..<0
        while true {
            let step: ReadStep = base.withLock { reader in
                if let inFlight = (reader as? BackgroundPrefetching)?.inFlightRun(overlapping: range) {
                    return .wait(inFlight)
                }
                return .done(Result { try reader.read(at: offset, into: buffer) })
            }
            switch step {
            case .done(let result): return try result.get()
            // Outside the lock: the fetch lands under it. Then the read is tried again.
            case .wait(let inFlight): inFlight.wait()
            }
        }
    }

    private enum ReadStep {
        case done(Result<Int, Error>)
        case wait(InFlightPrefetch.Run)
    }

    public var statistics: ReadStatistics {
        base.withLock { $0.statistics }
    }

    public func prefetch(_ ranges: [Range<Int64>]) throws {
        try base.withLock { try $0.prefetch(ranges) }
    }

    /// Starts fetching `ranges` on a thread of its own (after the background prefetches started
    /// before) and returns at once; reads meanwhile get other bytes as usual and wait for these.
    /// A failure is not reported: the reads that need those bytes fetch them again and report it.
    /// Synchronous for readers that cannot split their prefetch (a local file does nothing).
    public func prefetchInBackground(_ ranges: [Range<Int64>]) {
        let planned: InFlightPrefetch? = base.withLock { reader in
            guard let splitting = reader as? BackgroundPrefetching else {
                try? reader.prefetch(ranges)
                return nil
            }
            return splitting.planPrefetch(ranges)
        }
        guard let planned else { return }
        backgroundPrefetches.enter()
        backgroundQueue.async { [self] in
            // Each run lands as it arrives, so the reads waiting on it go before the rest is in.
            planned.fetch { run, result in
                self.base.withLock { ($0 as! BackgroundPrefetching).land(planned, run: run, result) }
            }
            backgroundPrefetches.leave()
        }
    }

    /// Blocks until every background prefetch has landed (so the statistics count all they
    /// fetched). One not waited for lands on its own; this reader lives until it has.
    public func waitForBackgroundPrefetches() {
        backgroundPrefetches.wait()
    }
}
