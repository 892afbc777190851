// After a seek, fetch the bytes the decoder will read up to the target in one request.
import CFFmpeg

extension VideoReader {
    /// Spans larger than this are left to the reader's own read-ahead (a huge GOP is better
    /// fetched in a few large requests as decoding goes).
    static let maximumPrefetchBytes: Int64 = 8 << 20

    /// Reads the span from keyframe `group` through the samples needed to output the frame at
    /// `target` (stream units), so a remote reader fetches it in one ranged GET; the demuxer then
    /// finds it in the reader's cache. Without a per-sample index this does nothing.
    func prefetch(fromKeyframe group: Int, through target: Int64) throws {
        guard let samples else { return }
        // Frames come out after the decoder has seen this many more packets: B-frame reordering
        // plus one per frame thread, and one spare.
        let context = decoder.codecContext.pointee
        let lookahead = Int(context.has_b_frames) + Int(max(1, context.thread_count)) + 1
        guard let range = samples.byteRange(fromKeyframe: group, through: target, extraSamples: lookahead),
              range.count <= Self.maximumPrefetchBytes else { return }
        try demuxer.prefetch(range)
    }
}
