// Random access to a remote object through ranged GETs, a block cache and adaptive read-ahead.

/// Reads a remote object in fixed-size blocks, keeping the most recently used ones.
///
/// A demuxer reads small pieces, mostly forward, with jumps when it seeks. Each miss fetches the
/// missing blocks in one ranged GET; when misses follow each other (sequential decoding) the run
/// doubles up to `maximumReadAheadBlocks`, and a jump resets it, so a seek costs one small request.
public final class RangeObjectReader: ObjectReader {
    public let uri: String
    public private(set) var size: Int64
    public private(set) var statistics = ReadStatistics()

    let blockSize: Int
    private let cacheCapacityBlocks: Int
    private let maximumReadAheadBlocks: Int
    private let object: RemoteObject
    private var blocks: [Int64: CachedBlock] = [:]
    private var tick = 0
    private var readAheadBlocks = 1
    /// The block after the end of the last fetch: a miss there means the caller is reading on.
    private var sequentialBlock: Int64 = -1
    /// Blocks a background prefetch is fetching (see `BackgroundPrefetching`): the run each is in.
    private var inFlight: [Int64: InFlightPrefetch.Run] = [:]
    /// Cached blocks a prefetch brought that no read has used yet: with those in flight, they count
    /// against the half of the cache prefetches may fill, so one cannot evict another's before it is read.
    private var unreadPrefetchedBlocks = 0

    private struct CachedBlock {
        var bytes: [UInt8]
        var lastUse: Int
        var unreadPrefetch: Bool
    }

    /// Prefetched runs closer than this are fetched as one request, gap included: transferring up to
    /// 1 MB more costs less than another request's round trip.
    private let coalesceGapBlocks: Int64

    /// `openingBytes` is what the first request fetches (at least one block): what a demuxer reads
    /// first, the container's header, in one request rather than in doubling read-ahead runs.
    init(object: RemoteObject, maximumBytes: Int64, blockSize: Int = 256 << 10, cacheBytes: Int = 32 << 20,
         maximumReadAheadBytes: Int = 4 << 20, coalesceGapBytes: Int = 1 << 20, openingBytes: Int = 0) throws {
        self.coalesceGapBlocks = Int64(coalesceGapBytes / blockSize)
        self.uri = object.uri
        self.object = object
        self.blockSize = blockSize
        self.cacheCapacityBlocks = max(2, cacheBytes / blockSize)
        self.maximumReadAheadBlocks = max(1, min(maximumReadAheadBytes / blockSize, cacheCapacityBlocks / 2))
        self.size = 0
        // The first blocks tell the size (Content-Range) and are what a demuxer reads first anyway.
        let openingBlocks = min(max(1, blockCount(covering: Int64(openingBytes))), Int64(max(1, cacheCapacityBlocks / 2)))
        let (bytes, total) = try object.fetch(0..<(openingBlocks * Int64(blockSize)))
        guard total >= 0 else { throw ObjectStoreError(.badResponse, uri: uri, "the server gave the object's size as \(total) bytes") }
        size = total
        guard total <= maximumBytes else {
            throw ObjectStoreError(.tooLarge, uri: uri, "\(total) bytes is over the limit of \(maximumBytes) bytes")
        }
        // The server's word on the size is checked against what it sent: every later read trusts both.
        let opened = min(openingBlocks * Int64(blockSize), total)
        let openedBlocks = max(1, blockCount(covering: opened))
        try accept(bytes, asked: 0..<opened, blocks: 0..<openedBlocks)
        sequentialBlock = openedBlocks
    }

    public func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        // Checked before adding: FFmpeg may seek anywhere, Int64.max included.
        guard offset >= 0, offset < size, let indices = blockIndices(of: offset..<(offset + Int64(buffer.count))) else { return 0 }
        let end = min(size, offset + Int64(buffer.count))
        let lastBlock = indices.upperBound
        var hit = true
        var copied = 0
        // Block by block, copying each as soon as it is present: a long read may need more blocks
        // than the cache holds, so a later fetch may evict an earlier block of the same read.
        for index in indices {
            if blocks[index] == nil {
                hit = false
                try fetchRun(startingAt: index, neededThrough: lastBlock)
            }
            tick += 1
            blocks[index]!.lastUse = tick
            if blocks[index]!.unreadPrefetch {
                blocks[index]!.unreadPrefetch = false
                unreadPrefetchedBlocks -= 1
            }
            let blockStart = index * Int64(blockSize)
            let from = Int(max(offset, blockStart) - blockStart)
            let to = Int(min(end, blockStart + Int64(blockSize)) - blockStart)
            blocks[index]!.bytes.withUnsafeBytes { source in
                let slice = UnsafeRawBufferPointer(rebasing: source[from..<to])
                UnsafeMutableRawBufferPointer(rebasing: buffer[copied..<(copied + slice.count)]).copyMemory(from: slice)
            }
            copied += to - from
        }
        statistics.bytesRead += Int64(copied)
        if hit { statistics.cacheHits += 1 }
        return copied
    }

    /// Fetches the blocks of `spans` that are not cached, each run of missing blocks as one ranged
    /// GET, the runs over parallel connections, so that a caller that knows where it will read
    /// (a video sampled at many times) waits for one round trip instead of one per span. Runs a
    /// short gap apart become one request. Prefetched blocks not yet read (or in flight) never fill
    /// more than half the cache, so none is evicted before it is read. Blocks a background prefetch
    /// is fetching are left to it.
    public func prefetch(_ spans: [Range<Int64>]) throws {
        let runs = missingRuns(of: spans)
        guard !runs.isEmpty else { return }
        let ranges = byteRanges(of: runs)
        let fetched = try object.fetch(ranges)
        for (run, (range, bytes)) in zip(runs, zip(ranges, fetched)) {
            try accept(bytes, asked: range, blocks: run, prefetched: true)
        }
    }

    /// The runs of blocks of `spans` that are neither cached nor in flight, gaps under the coalescing
    /// limit included, within the budget of half the cache less what earlier prefetches have in
    /// flight or brought and no read has used yet.
    private func missingRuns(of spans: [Range<Int64>]) -> [Range<Int64>] {
        var runs: [Range<Int64>] = []
        var planned = Set<Int64>()
        var budget = max(0, cacheCapacityBlocks / 2 - inFlight.count - unreadPrefetchedBlocks)
        for span in spans.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            guard let indices = blockIndices(of: span) else { continue }
            for index in indices where isMissing(index) && !planned.contains(index) && budget > 0 {
                planned.insert(index)
                // A gap is coalesced only if none of it is cached or in flight already.
                if let last = runs.last, index - last.upperBound <= min(coalesceGapBlocks, Int64(budget - 1)),
                   (last.upperBound..<index).allSatisfy(isMissing) {
                    // The gap's blocks come along and count against the budget.
                    budget -= Int(index - last.upperBound) + 1
                    runs[runs.count - 1] = last.lowerBound..<index + 1
                } else {
                    budget -= 1
                    runs.append(index..<index + 1)
                }
            }
        }
        return runs
    }

    private func isMissing(_ block: Int64) -> Bool { blocks[block] == nil && inFlight[block] == nil }

    /// The blocks holding the bytes of `range` that lie in the object; nil when none do.
    private func blockIndices(of range: Range<Int64>) -> ClosedRange<Int64>? {
        guard !range.isEmpty, range.lowerBound >= 0, range.lowerBound < size else { return nil }
        return range.lowerBound / Int64(blockSize)...(min(range.upperBound, size) - 1) / Int64(blockSize)
    }

    /// How many blocks `bytes` bytes fill, the last one partly.
    private func blockCount(covering bytes: Int64) -> Int64 {
        bytes <= 0 ? 0 : (bytes - 1) / Int64(blockSize) + 1
    }

    private func byteRanges(of runs: [Range<Int64>]) -> [Range<Int64>] { runs.map(byteRange) }

    /// The bytes of a run of blocks, the last block ending at the object's end.
    private func byteRange(of run: Range<Int64>) -> Range<Int64> {
        (run.lowerBound * Int64(blockSize))..<min(size, run.upperBound * Int64(blockSize))
    }

    /// Fetches `start` and the blocks after it that are missing, up to what the read needs or the
    /// read-ahead allows, whichever is more, but never more than half the cache (so the run cannot
    /// evict its own first block).
    private func fetchRun(startingAt start: Int64, neededThrough lastNeeded: Int64) throws {
        readAheadBlocks = start == sequentialBlock ? min(readAheadBlocks * 2, maximumReadAheadBlocks) : 1
        let blocksInObject = blockCount(covering: size)
        var end = start + 1
        let wanted = min(max(lastNeeded + 1, start + Int64(readAheadBlocks)), start + Int64(max(1, cacheCapacityBlocks / 2)))
        while end < wanted, end < blocksInObject, isMissing(end) { end += 1 }
        let range = byteRange(of: start..<end)
        try accept(try object.fetch(range).bytes, asked: range, blocks: start..<end)
        sequentialBlock = end
    }

    /// Checks that `bytes` are all of the `asked` range, counts them, and caches them as `blocks`.
    private func accept(_ bytes: [UInt8], asked range: Range<Int64>, blocks run: Range<Int64>, prefetched: Bool = false) throws {
        guard bytes.count == range.count else {
            throw ObjectStoreError(.badResponse, uri: uri, "asked for \(range.count) bytes at \(range.lowerBound), got \(bytes.count): the object changed or was truncated")
        }
        record(fetched: bytes.count)
        for index in run {
            let from = Int(index - run.lowerBound) * blockSize
            store(block: index, bytes: Array(bytes[from..<min(bytes.count, from + blockSize)]), prefetched: prefetched)
        }
    }

    private func store(block: Int64, bytes: [UInt8], prefetched: Bool) {
        if let replaced = blocks[block] {
            drop(replaced)
        } else if blocks.count >= cacheCapacityBlocks, let oldest = blocks.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            drop(blocks.removeValue(forKey: oldest)!)
        }
        tick += 1
        blocks[block] = CachedBlock(bytes: bytes, lastUse: tick, unreadPrefetch: prefetched)
        if prefetched { unreadPrefetchedBlocks += 1 }
    }

    private func drop(_ block: CachedBlock) {
        if block.unreadPrefetch { unreadPrefetchedBlocks -= 1 }
    }

    private func record(fetched count: Int) {
        statistics.requests += 1
        statistics.bytesFetched += Int64(count)
    }
}

extension RangeObjectReader: BackgroundPrefetching {
    func planPrefetch(_ spans: [Range<Int64>]) -> InFlightPrefetch? {
        let runs = missingRuns(of: spans)
        guard !runs.isEmpty else { return nil }
        let ranges = byteRanges(of: runs)
        let object = self.object
        let prefetch = InFlightPrefetch(runs: runs, ranges: ranges) { landing in object.fetch(ranges, landing: landing) }
        for (index, run) in runs.enumerated() {
            for block in run { inFlight[block] = InFlightPrefetch.Run(prefetch: prefetch, index: index) }
        }
        return prefetch
    }

    func land(_ prefetch: InFlightPrefetch, run index: Int, _ result: Result<[UInt8], Error>) {
        let run = prefetch.runs[index]
        for block in run where inFlight[block]?.prefetch === prefetch { inFlight[block] = nil }
        // A failed or short fetch is forgotten: the reads that need those bytes fetch them themselves,
        // and report the failure if it happens again.
        if case .success(let bytes) = result {
            try? accept(bytes, asked: prefetch.ranges[index], blocks: run, prefetched: true)
        }
        prefetch.didLand(run: index)
    }

    func inFlightRun(overlapping range: Range<Int64>) -> InFlightPrefetch.Run? {
        guard !inFlight.isEmpty, let indices = blockIndices(of: range) else { return nil }
        return indices.lazy.compactMap { self.inFlight[$0] }.first
    }
}
