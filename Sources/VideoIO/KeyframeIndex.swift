// Where the keyframes are, from the container's index (or a packet scan when it has none).
import CFFmpeg

/// Keyframe timestamps in seconds from the start of the file, ascending.
///
/// Containers index keyframes by decode time (MP4) or presentation time (Matroska cues, AVI).
/// For MP4 with B-frames a keyframe is shown a fixed delay after it is decoded, so presentation
/// times are estimated as index time + (the stream's first presentation time - the first index
/// time). They decide when a seek is worth it and which frames a keyframe plan asks for; the
/// frames themselves always carry their real decoded timestamps.
public struct KeyframeIndex: Sendable, Equatable {
    public enum Source: String, Sendable {
        /// The container's index, read at open: no media bytes were fetched for it.
        case containerIndex
        /// Every packet was read once because the container has no index.
        case packetScan
    }

    public var timestamps: [Double]
    public var source: Source

    public init(timestamps: [Double], source: Source) {
        self.timestamps = timestamps
        self.source = source
    }

    public var isEmpty: Bool { timestamps.isEmpty }

    /// The position of the last keyframe at or before `seconds` (nil when `seconds` precedes them all).
    /// A small tolerance absorbs the rounding of converted timestamps.
    public func keyframe(atOrBefore seconds: Double) -> Int? {
        let after = timestamps.partitionIndex { $0 <= seconds + 1e-6 }
        return after == 0 ? nil : after - 1
    }

    /// This index if it reaches to within a GOP or so of the video's `end` (seconds from the file's
    /// start, as the index's are; unknown: 0), else an empty one. The video starts at `start`.
    /// Demuxers that build their index as they read (Matroska without Cues, as browsers record
    /// WebM; FLV without keyframe metadata) hold only the keyframes probing passed: a target past
    /// them would seem to be in their last GOP, decoded to from there through the whole file.
    /// Without an index the reader seeks by time instead.
    func reachingEnd(_ end: Double, start: Double = 0) -> KeyframeIndex {
        guard let last = timestamps.last, end > 0 else { return self }
        var longestGap = max(0, timestamps[0] - start)
        for (earlier, later) in zip(timestamps, timestamps.dropFirst()) { longestGap = max(longestGap, later - earlier) }
        return end - last > max(Self.shortestMissingTail, 2 * longestGap) ? KeyframeIndex(timestamps: [], source: source) : self
    }

    /// How much of a video's end an index may leave out and still count as whole (its last GOP).
    static let shortestMissingTail = 10.0

    /// From the stream's index entries; empty when the container keeps no index. `seconds`: a
    /// stream time in seconds from the start of the file (the reader's own conversion).
    static func fromContainer(stream: UnsafeMutablePointer<AVStream>, seconds: (Int64) -> Double) -> KeyframeIndex {
        let count = avformat_index_get_entries_count(stream)
        var keyTimes: [Int64] = []
        var firstTime: Int64?
        for position in 0..<count {
            guard let entry = avformat_index_get_entry(stream, position) else { continue }
            if entry.pointee.flags & AVINDEX_DISCARD_FRAME != 0 { continue }
            if firstTime == nil { firstTime = entry.pointee.timestamp }
            if entry.pointee.flags & AVINDEX_KEYFRAME != 0 { keyTimes.append(entry.pointee.timestamp) }
        }
        guard let firstTime else { return KeyframeIndex(timestamps: [], source: .containerIndex) }
        let streamStart = stream.pointee.start_time
        let shift = streamStart == vl_nopts_value() ? 0 : max(0, streamStart - firstTime)
        return KeyframeIndex(timestamps: keyTimes.map { seconds($0 + shift) }.sorted(), source: .containerIndex)
    }
}
