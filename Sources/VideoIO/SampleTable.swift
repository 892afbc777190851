// Byte ranges of every sample (MP4/MOV index), so a seek can fetch the GOP prefix it decodes in one request.
import CFFmpeg

/// Where each sample of the video stream lies in the file, in decode order, when the container
/// indexes every sample with its size (MP4 and MOV do; Matroska cues and AVI keyframe entries do
/// not). Remote reads are block-sized: knowing the exact span a seek will decode lets the reader
/// fetch it in one ranged GET instead of a run of growing read-aheads past what is needed.
struct SampleTable {
    /// Decode timestamps (stream units), file offsets and sizes, in decode order.
    private(set) var decodeTimes: [Int64] = []
    private(set) var offsets: [Int64] = []
    private(set) var sizes: [Int32] = []
    /// Positions (in the arrays above) of the keyframes, in the order of `KeyframeIndex.timestamps`.
    private(set) var keyframeSamples: [Int] = []

    /// Nil unless the index holds every sample with its size.
    static func fromContainer(stream: UnsafeMutablePointer<AVStream>) -> SampleTable? {
        var table = SampleTable()
        let count = avformat_index_get_entries_count(stream)
        for position in 0..<count {
            guard let entry = avformat_index_get_entry(stream, position) else { continue }
            if entry.pointee.flags & AVINDEX_DISCARD_FRAME != 0 { continue }
            guard entry.pointee.size > 0 else { return nil }
            if entry.pointee.flags & AVINDEX_KEYFRAME != 0 { table.keyframeSamples.append(table.offsets.count) }
            table.decodeTimes.append(entry.pointee.timestamp)
            table.offsets.append(entry.pointee.pos)
            table.sizes.append(entry.pointee.size)
        }
        // Keyframe-only indexes (every entry a keyframe while frames exist between them) carry no spans.
        let frames = stream.pointee.nb_frames
        guard !table.offsets.isEmpty, frames <= 0 || Int64(table.offsets.count) >= frames * 9 / 10 else { return nil }
        return table
    }

    /// The bytes from keyframe `group` through the last sample decoded at or before `time`,
    /// plus `extraSamples` (the decoder's reordering and frame-thread lookahead).
    func byteRange(fromKeyframe group: Int, through time: Int64, extraSamples: Int) -> Range<Int64>? {
        guard group >= 0, group < keyframeSamples.count else { return nil }
        let first = keyframeSamples[group]
        // The last sample whose decode time is <= time.
        let after = decodeTimes.partitionIndex(from: first) { $0 <= time }
        let last = min(decodeTimes.count - 1, max(first, after - 1) + extraSamples)
        var start = Int64.max, end = Int64.min
        for sample in first...last {
            start = min(start, offsets[sample])
            end = max(end, offsets[sample] + Int64(sizes[sample]))
        }
        return start < end ? start..<end : nil
    }
}
