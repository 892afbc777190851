// Fetching ahead what decoding will read: all sampled spans at once before a multi-frame request,
// and after each seek the bytes up to its target in one request.
import CFFmpeg

extension VideoReader {
    /// Spans larger than this are left to the reader's own read-ahead (a huge GOP is better
    /// fetched in a few large requests as decoding goes).
    static let maximumPrefetchBytes: Int64 = 8 << 20

    /// Frames come out after the decoder has seen this many more packets: B-frame reordering plus
    /// one per frame thread, and one spare.
    private var decodeLookahead: Int {
        let context = decoder.codecContext.pointee
        return Int(context.has_b_frames) + Int(max(1, context.thread_count)) + 1
    }

    /// The bytes decoding reads to output the frame at `target` (stream units) after seeking to
    /// keyframe `group`; nil without a per-sample index or when the span is too large to prefetch.
    private func span(fromKeyframe group: Int, through target: Int64) -> Range<Int64>? {
        guard let range = samples?.byteRange(fromKeyframe: group, through: target, extraSamples: decodeLookahead),
              range.count <= Self.maximumPrefetchBytes else { return nil }
        return range
    }

    /// Before decoding several frames: the span every target's decode will read, requested
    /// together, so that a remote reader waits for one round of parallel range requests instead
    /// of one request per frame. Does nothing without the container's index.
    func prefetch(targets: [Int64], keyframes: KeyframeIndex, mode: SeekMode) throws {
        guard targets.count > 1 else { return }
        try demuxer.prefetch(spans(of: targets, keyframes: keyframes, mode: mode))
    }

    /// The bytes decoding the frames at `targets` (stream units) will read, one span per target;
    /// none without the container's index.
    private func spans(of targets: [Int64], keyframes: KeyframeIndex, mode: SeekMode) -> [Range<Int64>] {
        guard samples != nil, keyframes.source == .containerIndex else { return [] }
        return targets.compactMap { target -> Range<Int64>? in
            guard let group = keyframes.keyframe(atOrBefore: seconds(target)) else { return nil }
            // Keyframe sampling stops at the keyframe; accurate sampling decodes on to the target.
            return span(fromKeyframe: group, through: mode == .keyframe ? streamTime(keyframes.timestamps[group]) : target)
        }
    }

    /// The bytes decoding the frames at `timestamps` (seconds) will read, for a caller that fetches
    /// them ahead itself (in the background) but decodes them in several requests (batches).
    func prefetchSpans(timestamps: [Double], mode: SeekMode = .accurate) -> [Range<Int64>] {
        spans(of: Array(Set(timestamps)).sorted().map(streamTime), keyframes: containerKeyframes, mode: mode)
    }

    /// Reads the span from keyframe `group` through the samples needed to output the frame at
    /// `target` (stream units), so a remote reader fetches it in one ranged GET; the demuxer then
    /// finds it in the reader's cache. Without a per-sample index this does nothing.
    func prefetch(fromKeyframe group: Int, through target: Int64) throws {
        guard let range = span(fromKeyframe: group, through: target) else { return }
        try demuxer.prefetch(range)
    }
}
