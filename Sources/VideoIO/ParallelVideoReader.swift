// Several readers of one video, decoding the GOPs a request samples side by side on their own threads.
import Dispatch
import ObjectStore
import Synchronization

/// A video opened by up to `maximumLanes` readers (each its own demuxer and decoder) over one shared
/// object reader. The frames of one request that lie in different GOPs do not depend on each other,
/// so each lane seeks to its own GOPs and decodes them while the others do the same: sampling a long
/// video costs about 1/lanes of the time one decoder takes. That beats FFmpeg's frame threads,
/// which keep several frames of one GOP in flight and must be flushed at every seek.
///
/// Lanes take the request's GOPs in order, one at a time, as they finish the last, so a GOP that is
/// slow to decode does not hold the others up. Frames and the frame rule are exactly those of one
/// `VideoReader`: each lane is one. Lanes after the first are opened the first time they are needed.
///
/// Not thread-safe: one request at a time, like `VideoReader`.
public final class ParallelVideoReader {
    /// Decodes first and answers everything that is not decoding: stream info, keyframes, prefetch.
    public let primary: VideoReader
    public let maximumLanes: Int
    private let shared: SharedObjectReader
    private let decoderThreads: Int
    private let lanes: [Lane]

    public var uri: String { primary.uri }
    public var info: VideoStreamInfo { primary.info }
    /// What all lanes have fetched from the object, together.
    public var readStatistics: ReadStatistics { shared.statistics }

    /// Opens `uri` through `store` (see `VideoReader.init(uri:store:limits:decoderThreads:)`);
    /// `expectedETag`: the S3 version to read (`ObjectStore.reader(for:pattern:expectedETag:)`).
    public convenience init(uri: String, store: ObjectStore, limits: VideoLimits = .default, maximumLanes: Int, decoderThreads: Int = 1,
                            expectedETag: String? = nil) throws {
        try self.init(reader: store.reader(for: uri, pattern: .scattered, expectedETag: expectedETag), limits: limits, maximumLanes: maximumLanes,
                      decoderThreads: decoderThreads)
    }

    /// Opens the video `reader` holds with the first lane; `decoderThreads` are FFmpeg's threads per lane.
    public init(reader: ObjectReader, limits: VideoLimits = .default, maximumLanes: Int, decoderThreads: Int = 1) throws {
        shared = SharedObjectReader(reader)
        primary = try VideoReader(reader: shared, limits: limits, decoderThreads: decoderThreads)
        self.maximumLanes = max(1, maximumLanes)
        self.decoderThreads = decoderThreads
        lanes = (0..<self.maximumLanes).map { _ in Lane() }
        lanes[0].reader = primary
    }

    /// The frames for `timestamps`, as `VideoReader.frames(at:mode:)` gives them, decoded by up to
    /// `lanes` readers at once (fewer when the request spans fewer GOPs). One lane is used when the
    /// container has no keyframe index: without one, GOPs cannot be told apart before decoding.
    public func frames(at timestamps: [Double], mode: SeekMode = .accurate, lanes wanted: Int) throws -> FrameBatch {
        let targets = try primary.validatedTargets(timestamps)
        return try VideoReader.requireFrames(try decode(targets, mode: mode, lanes: wanted), requested: targets.count, uri: uri)
    }

    /// The same, except that a batch none of whose frames decodes is an answer too (each frame
    /// missing, with its reason): for a caller that samples in several batches and keeps what the
    /// others decoded (a file truncated before the last batches' frames).
    public func framesAllowingNone(at timestamps: [Double], mode: SeekMode = .accurate, lanes wanted: Int) throws -> FrameBatch {
        try decode(try primary.validatedTargets(timestamps), mode: mode, lanes: wanted)
    }

    /// Decodes validated `targets`; the batch may hold no frame at all.
    private func decode(_ targets: [Double], mode: SeekMode, lanes wanted: Int) throws -> FrameBatch {
        let groups = gopGroups(targets)
        let count = min(wanted, maximumLanes, groups.count)
        guard count > 1 else { return try primary.decode(targets, mode: mode) }
        try shared.prefetch(primary.prefetchSpans(timestamps: targets, mode: mode))

        let nextGroup = Atomic<Int>(0)
        let failed = Atomic<Bool>(false)
        // The lanes let go of their frames and errors when the request is answered (or fails).
        defer { for lane in lanes.prefix(count) { lane.reset() } }
        DispatchQueue.concurrentPerform(iterations: count) { number in
            let lane = lanes[number]
            do {
                while !failed.load(ordering: .relaxed) {
                    let group = nextGroup.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard group < groups.count else { break }
                    let reader = try lane.open {
                        try VideoReader(reader: shared, limits: primary.limits, decoderThreads: decoderThreads, sibling: primary)
                    }
                    lane.batch.append(try reader.decode(groups[group], mode: mode))
                }
            } catch {
                lane.failure = error
                failed.store(true, ordering: .relaxed)
            }
        }
        if let failure = lanes.prefix(count).lazy.compactMap(\.failure).first { throw failure }
        var merged = FrameBatch.empty
        for lane in lanes.prefix(count) { merged.append(lane.batch) }
        merged.frames.sort { $0.requestedTimestamp < $1.requestedTimestamp }
        merged.missing.sort { $0.requestedTimestamp < $1.requestedTimestamp }
        return merged
    }

    /// Starts fetching what decoding `timestamps` will read and returns at once, for a caller that
    /// decodes them in several requests (batches): the first batch decodes as soon as its own spans
    /// are in while the rest still arrive. A fetch not waited for (`waitForBackgroundPrefetches`)
    /// lands on its own, in a reader that lives until it has.
    public func prefetchInBackground(timestamps: [Double], mode: SeekMode = .accurate) {
        shared.prefetchInBackground(primary.prefetchSpans(timestamps: timestamps, mode: mode))
    }

    /// Blocks until the fetches `prefetchInBackground` started have landed.
    public func waitForBackgroundPrefetches() {
        shared.waitForBackgroundPrefetches()
    }

    /// Sorted `targets` split into runs that share a GOP (by the container's index): the unit a lane
    /// takes. Without an index, one run of everything.
    private func gopGroups(_ targets: [Double]) -> [[Double]] {
        let keyframes = primary.containerKeyframes
        guard !keyframes.isEmpty else { return [targets] }
        var groups: [[Double]] = []
        for target in targets {
            if let previous = groups.last?.last,
               keyframes.keyframe(atOrBefore: previous) == keyframes.keyframe(atOrBefore: target) {
                groups[groups.count - 1].append(target)
            } else {
                groups.append([target])
            }
        }
        return groups
    }

    /// One lane's reader and what it decoded in the current request; touched only by its own thread
    /// while a request runs.
    private final class Lane: @unchecked Sendable {
        var reader: VideoReader?
        var batch = FrameBatch.empty
        var failure: Error?

        func reset() {
            batch = .empty
            failure = nil
        }

        func open(_ make: () throws -> VideoReader) throws -> VideoReader {
            if let reader { return reader }
            let opened = try make()
            reader = opened
            return opened
        }
    }
}

extension FrameBatch {
    /// No frames, nothing missing, no work.
    static var empty: FrameBatch { FrameBatch(frames: [], missing: [], work: DecodeWork()) }

    /// Adds another batch's frames, missing timestamps and work.
    mutating func append(_ other: FrameBatch) {
        frames += other.frames
        missing += other.missing
        work.seeks += other.work.seeks
        work.packetsRead += other.work.packetsRead
        work.framesDecoded += other.work.framesDecoded
        work.decodeErrors += other.work.decodeErrors
    }
}
