// Decoding the frames at a set of timestamps: sort, dedupe, seek only when needed, decode forward.
import CFFmpeg

extension VideoReader {
    /// Without a keyframe index the reader cannot tell GOPs apart, so it seeks only when the target
    /// is this far ahead of the current position, and decodes forward otherwise.
    static let unindexedSeekDistance = 5.0

    /// The frames for `timestamps` (seconds from the start of the file), one per distinct
    /// timestamp, in ascending order. Timestamps that cannot be decoded (truncated or damaged data)
    /// are listed in `missing`; only when none decodes is it an error.
    public func frames(at timestamps: [Double], mode: SeekMode = .accurate) throws -> FrameBatch {
        let targets = try validatedTargets(timestamps)
        return try Self.requireFrames(try decode(targets, mode: mode), requested: targets.count, uri: uri)
    }

    /// The distinct `timestamps`, sorted, once they are known to be a request this video can answer.
    func validatedTargets(_ timestamps: [Double]) throws -> [Double] {
        let targets = Array(Set(timestamps)).sorted()
        guard !targets.isEmpty else {
            throw VideoIOError(.invalidRequest, uri: uri, "no timestamps to decode; ask for at least one")
        }
        guard targets.count <= limits.maximumFramesPerRequest else {
            throw VideoIOError(.invalidRequest, uri: uri, "\(targets.count) frames requested, over the limit of \(limits.maximumFramesPerRequest) per request; sample fewer or split the request")
        }
        if let bad = targets.first(where: { !$0.isFinite || $0 < 0 }) {
            throw VideoIOError(.invalidRequest, uri: uri, "timestamp \(bad) is not a time in the video; use seconds >= 0")
        }
        guard info.frameCount > 0 || info.duration > 0 else {
            throw VideoIOError(.noFrames, uri: uri, "the video stream has no frames: there is nothing to decode")
        }
        return targets
    }

    /// A batch is an answer when at least one frame decoded; otherwise the first reason is the error.
    static func requireFrames(_ batch: FrameBatch, requested: Int, uri: String) throws -> FrameBatch {
        guard batch.frames.isEmpty else { return batch }
        throw VideoIOError(.corruptData, uri: uri,
                           "none of the \(requested) requested frames could be decoded: \(batch.missing.first?.reason ?? "no frames")")
    }

    /// Decodes sorted, validated `targets` (seconds); the batch may hold no frame at all.
    func decode(_ targets: [Double], mode: SeekMode) throws -> FrameBatch {
        var work = DecodeWork()
        var frames: [DecodedFrame] = []
        var missing: [MissingFrame] = []
        let keyframes = mode == .keyframe ? try self.keyframes() : containerKeyframes
        decoder.skipFrames = mode == .keyframe ? AVDISCARD_NONKEY : AVDISCARD_DEFAULT
        defer {
            if mode == .keyframe {
                // Frames skipped so far are missing as references: the next accurate request must seek.
                decoder.skipFrames = AVDISCARD_DEFAULT
                position.reset(group: nil)
                position.atStart = false
                decoder.flush()
            }
        }
        let streamTargets = targets.map(streamTime)
        try prefetch(targets: streamTargets, keyframes: keyframes, mode: mode)
        for (requested, target) in zip(targets, streamTargets) {
            let outcome = mode == .accurate
                ? try decodeAccurately(target, keyframes: keyframes, work: &work)
                : try decodeKeyframe(target, keyframes: keyframes, work: &work)
            switch outcome {
            case .frame(let frame, let timestamp, let damaged):
                guard let copy = av_frame_clone(frame) else {
                    throw VideoIOError(.internalFailure, uri: uri, "out of memory keeping a decoded frame")
                }
                defer { freeFrame(copy) }
                try limits.checkFrame(width: Int(copy.pointee.width), height: Int(copy.pointee.height), uri: uri)
                let pixelAspect = pixelAspectRatio(of: copy)
                let upright = try FrameRotation.apply(info.rotation, mirrored: info.mirrored, to: copy, uri: uri)
                let seconds = self.seconds(timestamp)
                frames.append(DecodedFrame(taking: upright, timestamp: seconds, requestedTimestamp: requested,
                                           index: frameIndex(seconds), isDamaged: damaged,
                                           pixelAspectRatio: info.rotation.swapsDimensions ? 1 / pixelAspect : pixelAspect, uri: uri))
            case .missing(let reason):
                missing.append(MissingFrame(requestedTimestamp: requested, reason: reason))
            }
        }
        return FrameBatch(frames: frames, missing: missing, work: work)
    }

    enum Outcome {
        /// A frame owned by `position` (clone it to keep it), its timestamp in stream units.
        case frame(UnsafeMutablePointer<AVFrame>, Int64, Bool)
        case missing(String)
    }

    /// A decoded frame's pixel aspect ratio before turning: the container's when it gives one (an
    /// MP4 `pasp` box, a Matroska display size), else the codec's, as players and the ffmpeg CLI
    /// take it; 1 when neither says or the value is unusable (0/0, or beyond 1:100 either way).
    func pixelAspectRatio(of frame: UnsafeMutablePointer<AVFrame>) -> Double {
        let ratio = av_guess_sample_aspect_ratio(demuxer.formatContext, demuxer.stream, frame)
        guard ratio.num > 0, ratio.den > 0 else { return 1 }
        let value = Double(ratio.num) / Double(ratio.den)
        return (0.01...100).contains(value) ? value : 1
    }
}
