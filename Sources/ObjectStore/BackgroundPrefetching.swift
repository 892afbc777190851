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
    /// nil when nothing is missing. Every run of a fetch planned must be landed, failed or not: its
    /// blocks stay in flight, and the reads of them waiting, until it is.
    func planPrefetch(_ spans: [Range<Int64>]) -> InFlightPrefetch?
    /// Caches what one run of the fetch brought (a failure is dropped: reads fetch those bytes
    /// themselves), clears its blocks from the in-flight set and lets the reads waiting on it go.
    func land(_ prefetch: InFlightPrefetch, run: Int, _ result: Result<[UInt8], Error>)
    /// The run in flight that holds some of `range`, which a read of it must wait for.
    func inFlightRun(overlapping range: Range<Int64>) -> InFlightPrefetch.Run?
}

/// Ranged GETs planned by a reader, one per run of blocks, run by whoever started them outside the
/// reader's lock. Each run lands on its own, as its bytes arrive.
final class InFlightPrefetch: @unchecked Sendable {
    /// Runs of blocks, and the byte ranges fetched for them.
    let runs: [Range<Int64>]
    let ranges: [Range<Int64>]
    private let fetchRanges: (@escaping (Int, Result<[UInt8], Error>) -> Void) -> Void
    /// One per run: entered when planned, left when it has landed.
    private let landed: [DispatchGroup]

    /// One run of a prefetch, which a read can wait for.
    struct Run {
        let prefetch: InFlightPrefetch
        let index: Int

        /// Blocks until the run has landed in the reader (or failed).
        func wait() { prefetch.landed[index].wait() }
    }

    init(runs: [Range<Int64>], ranges: [Range<Int64>],
         fetch: @escaping (@escaping (Int, Result<[UInt8], Error>) -> Void) -> Void) {
        self.runs = runs
        self.ranges = ranges
        fetchRanges = fetch
        landed = runs.map { _ in
            let group = DispatchGroup()
            group.enter()
            return group
        }
    }

    /// Runs the ranged GETs, handing each run's result to `landing` as it arrives (on the fetching
    /// threads); returns when all have. Touches nothing of the reader, so it needs no lock.
    func fetch(landing: @escaping (Int, Result<[UInt8], Error>) -> Void) { fetchRanges(landing) }

    /// Called by the reader once it has landed run `index`.
    func didLand(run index: Int) { landed[index].leave() }
}
