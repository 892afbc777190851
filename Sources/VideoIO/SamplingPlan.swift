// Which timestamps to sample: N uniform, one every S seconds, keyframes only, or explicit times.

/// A choice of frames, turned into timestamps against a video's duration. Times are seconds from
/// the start of the file; ranges are half-open, [start, end), and are clamped to the video.
public enum SamplingPlan: Sendable, Equatable {
    /// `count` frames at start + i * (end - start) / count, i = 0..<count (the whole video by default).
    case uniform(count: Int, start: Double? = nil, end: Double? = nil)
    /// One frame every `seconds`, from `start` (0) while before `end` (the duration).
    case every(seconds: Double, start: Double? = nil, end: Double? = nil)
    /// Keyframes only (fast, approximate: no frame between keyframes is decoded); at most
    /// `maximumCount` of them, spread evenly, when given.
    case keyframes(maximumCount: Int? = nil)
    /// These times, each clamped into the video.
    case timestamps([Double])

    /// How the timestamps become frames: keyframe plans skip everything between keyframes.
    public var seekMode: SeekMode {
        if case .keyframes = self { return .keyframe }
        return .accurate
    }

    /// The end of the time this plan samples in a video that ends at `videoEnd` (`VideoStreamInfo.end`):
    /// its `end` within the video for uniform and interval plans, the video's end for the others.
    public func windowEnd(videoEnd: Double) -> Double {
        switch self {
        case .uniform(_, _, let end), .every(_, _, let end): return min(videoEnd, end ?? videoEnd)
        case .keyframes, .timestamps: return videoEnd
        }
    }

    /// The timestamps of this plan on a video described by `info` (`keyframes` for keyframe plans).
    public func timestamps(for info: VideoStreamInfo, keyframes: KeyframeIndex?, uri: String,
                           limits: VideoLimits = .default) throws -> [Double] {
        guard info.duration > 0, info.frameCount > 0 else {
            throw VideoIOError(.noFrames, uri: uri, "the video stream has \(info.frameCount) frames over \(VideoLimits.format(info.duration)) s: there is nothing to sample")
        }
        func invalid(_ reason: String) -> VideoIOError { VideoIOError(.invalidRequest, uri: uri, reason) }
        // The video's time in the file: a video that starts after its audio is sampled from its
        // first frame (before it, every time would give that frame).
        let (videoStart, videoEnd) = (info.start, info.end)
        // The last time that still shows a frame: past it `ffmpeg -ss` finds nothing.
        let lastFrame = max(videoStart, videoEnd - (info.frameRate > 0 ? 1 / info.frameRate : 0))
        func range(_ start: Double?, _ end: Double?) throws -> (Double, Double) {
            let from = max(videoStart, start ?? videoStart), to = min(videoEnd, end ?? videoEnd)
            guard from.isFinite, to.isFinite, from < to else {
                let span = videoStart > 0 ? "from \(VideoLimits.format(videoStart)) s to \(VideoLimits.format(videoEnd)) s" : "for \(VideoLimits.format(videoEnd)) s"
                throw invalid("the range [\(VideoLimits.format(start ?? videoStart)), \(VideoLimits.format(end ?? videoEnd))) s holds no time of this video (it runs \(span)); give start < end within it")
            }
            return (from, to)
        }
        var times: [Double]
        switch self {
        case .uniform(let count, let start, let end):
            guard count > 0 else { throw invalid("a uniform plan needs a count of at least 1, not \(count)") }
            guard count <= limits.maximumFramesPerRequest else {
                throw invalid("\(count) frames is over the limit of \(limits.maximumFramesPerRequest) per request; ask for fewer")
            }
            let (from, to) = try range(start, end)
            times = (0..<count).map { from + Double($0) * (to - from) / Double(count) }
        case .every(let seconds, let start, let end):
            guard seconds > 0, seconds.isFinite else { throw invalid("a sampling interval must be a positive number of seconds, not \(seconds)") }
            let (from, to) = try range(start, end)
            // Counted in Double first: a tiny interval makes more frames than an Int holds.
            let frames = ((to - from) / seconds).rounded(.up)
            guard frames <= Double(limits.maximumFramesPerRequest) else {
                throw invalid("one frame every \(VideoLimits.format(seconds)) s over \(VideoLimits.format(to - from)) s is \(VideoLimits.format(frames)) frames, over the limit of \(limits.maximumFramesPerRequest) per request; sample less often")
            }
            let count = Int(frames)
            times = (0..<count).map { from + Double($0) * seconds }.filter { $0 < to }
        case .keyframes(let maximumCount):
            let all = (keyframes?.timestamps ?? []).filter { $0 >= 0 && $0 < videoEnd }
            guard !all.isEmpty else { throw VideoIOError(.noFrames, uri: uri, "the video has no keyframes to sample") }
            let limit = min(maximumCount ?? all.count, limits.maximumFramesPerRequest)
            guard limit > 0 else { throw invalid("a keyframe plan needs a maximum count of at least 1, not \(limit)") }
            times = all.count <= limit ? all : (0..<limit).map { all[$0 * all.count / limit] }
        case .timestamps(let requested):
            guard !requested.isEmpty else { throw invalid("no timestamps given; pass at least one") }
            if let bad = requested.first(where: { !$0.isFinite }) { throw invalid("timestamp \(bad) is not a number of seconds") }
            times = requested
        }
        return times.map { min(max(videoStart, $0), lastFrame) }
    }
}

extension VideoReader {
    /// The frames a plan selects.
    public func frames(_ plan: SamplingPlan) throws -> FrameBatch {
        try frames(at: timestamps(of: plan), mode: plan.seekMode)
    }

    /// The timestamps a plan selects in this video (its keyframes read only in keyframe mode).
    func timestamps(of plan: SamplingPlan) throws -> [Double] {
        let keyframes = plan.seekMode == .keyframe ? try self.keyframes() : nil
        return try plan.timestamps(for: info, keyframes: keyframes, uri: uri, limits: limits)
    }
}

extension ParallelVideoReader {
    /// The frames a plan selects, decoded on up to `lanes` decoders at once.
    public func frames(_ plan: SamplingPlan, lanes: Int) throws -> FrameBatch {
        try frames(at: primary.timestamps(of: plan), mode: plan.seekMode, lanes: lanes)
    }
}
