// Prefetches that run while the reader goes on reading: planned and landed under the reader's
// lock, fetched outside it.
import Dispatch

/// A reader whose prefetch can be split in three steps, so that the network wait in the middle does
/// not hold the lock its reads take (see `SharedObjectReader.prefetchInBackground`): reads of other
/// blocks go on meanwhile, and a read of a block in flight waits for it instead of fetching it again.
/// Planning and landing are called with the reader's lock held, like any other call; the fetch
/// between them (`InFlightPrefetch.fetch`) runs without it.
protocol BackgroundPrefetching: ObjectReader {
    /// Marks the missing blocks of `spans` as in flight and returns their fetch, still to be run;
    /// nil when nothing is missing. Every fetch planned must be landed, failed or not: its blocks
    /// stay in flight, and the reads of them waiting, until it is.
    func planPrefetch(_ spans: [Range<Int64>]) -> InFlightPrefetch?
    /// Caches what the fetch brought (a failure is dropped: reads fetch those bytes themselves),
    /// clears its blocks from the in-flight set and lets the reads waiting on it go.
    func land(_ prefetch: InFlightPrefetch, _ result: Result<[[UInt8]], Error>)
    /// The fetch in flight that holds some of `range`, which a read of it must wait for.
    func inFlightPrefetch(overlapping range: Range<Int64>) -> InFlightPrefetch?
}

/// Ranged GETs planned by a reader and run by whoever started them, outside the reader's lock.
final class InFlightPrefetch: @unchecked Sendable {
    /// Runs of blocks, and the byte ranges fetched for them.
    let runs: [Range<Int64>]
    let ranges: [Range<Int64>]
    private let fetchRanges: () throws -> [[UInt8]]
    /// Entered when planned, left when landed.
    let landed = DispatchGroup()

    init(runs: [Range<Int64>], ranges: [Range<Int64>], fetch: @escaping () throws -> [[UInt8]]) {
        self.runs = runs
        self.ranges = ranges
        fetchRanges = fetch
        landed.enter()
    }

    /// Runs the ranged GETs; touches nothing of the reader, so it needs no lock.
    func fetch() -> Result<[[UInt8]], Error> { Result { try fetchRanges() } }

    /// Blocks until the fetch has landed in the reader (or failed).
    func wait() { landed.wait() }
}
