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
        for requested in targets {
            let target = streamTime(requested)
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
                let upright = try FrameRotation.apply(info.rotation, to: copy, uri: uri)
                let seconds = self.seconds(timestamp)
                frames.append(DecodedFrame(taking: upright, timestamp: seconds, requestedTimestamp: requested,
                                           index: frameIndex(seconds), isDamaged: damaged, uri: uri))
            case .missing(let reason):
                missing.append(MissingFrame(requestedTimestamp: requested, reason: reason))
            }
        }
        if frames.isEmpty {
            throw VideoIOError(.corruptData, uri: uri,
                               "none of the \(targets.count) requested frames could be decoded: \(missing[0].reason)")
        }
        return FrameBatch(frames: frames, missing: missing, work: work)
    }

    enum Outcome {
        /// A frame owned by `position` (clone it to keep it), its timestamp in stream units.
        case frame(UnsafeMutablePointer<AVFrame>, Int64, Bool)
        case missing(String)
    }

    // MARK: - Accurate: the first frame at or after the target

    private func decodeAccurately(_ target: Int64, keyframes: KeyframeIndex, work: inout DecodeWork) throws -> Outcome {
        // The frame handed out last is also the first at or after a later target it is not before.
        if let last = position.lastFrame, let lastTime = position.lastTimestamp, let answered = position.lastAnswered,
           answered <= target, lastTime >= target {
            position.lastAnswered = target
            return .frame(last, lastTime, position.lastFrameDamaged)
        }
        guard needsSeek(to: target, keyframes: keyframes) else { return try decodeForward(until: target, work: &work) }
        // A seek should land on a keyframe at or before the target. Without an index the demuxer
        // bisects by timestamps and may land after it; then seek again further back.
        var backoff = 0.0
        while true {
            let seekTime = max(0, seconds(target) - backoff)
            try seek(to: streamTime(seekTime), keyframes: keyframes, work: &work)
            let outcome = try decodeForward(until: target, work: &work)
            guard let first = position.firstTimestamp, first > target, seekTime > 0, work.seeks < 64 else { return outcome }
            backoff = max(1, backoff * 2)
        }
    }

    /// Seek when the target's GOP is later than the one being read, or when the target is behind
    /// what has been decoded. A target in an earlier GOP than the last keyframe packet read is
    /// still ahead when frames of that GOP are in the decoder's reorder queue (the packet was read
    /// ahead), so it decodes on, unless nothing has been decoded since the last seek.
    private func needsSeek(to target: Int64, keyframes: KeyframeIndex) -> Bool {
        if let lastTime = position.lastTimestamp, lastTime >= target { return true }
        let targetSeconds = seconds(target)
        if keyframes.isEmpty {
            if position.ended { return true }
            let here = position.lastTimestamp.map(seconds) ?? 0
            return targetSeconds - here > Self.unindexedSeekDistance
        }
        let targetGroup = keyframes.keyframe(atOrBefore: targetSeconds) ?? 0
        if position.atStart { return targetGroup > 0 }
        let group = position.group ?? -1
        return targetGroup > group || (targetGroup < group && position.lastTimestamp == nil)
    }

    private func seek(to target: Int64, keyframes: KeyframeIndex, work: inout DecodeWork) throws {
        work.seeks += 1
        let microseconds = Int64((seconds(target) * 1_000_000).rounded())
        if try !demuxer.seek(toMicroseconds: microseconds) {
            // Some streams cannot seek; from the start, decoding forward still finds every frame.
            guard try demuxer.rewind() else { return }
        }
        decoder.flush()
        let group = keyframes.keyframe(atOrBefore: seconds(target))
        position.reset(group: group)
        if let group, keyframes.source == .containerIndex { try prefetch(fromKeyframe: group, through: target) }
    }

    /// Decodes until a frame at or after `target` comes out, or the data ends.
    private func decodeForward(until target: Int64, skipsUnneededFrames: Bool = true, work: inout DecodeWork) throws -> Outcome {
        if position.ended { return endOfStream(target) }
        guard let packet = av_packet_alloc() else {
            throw VideoIOError(.internalFailure, uri: uri, "out of memory allocating a packet")
        }
        var packetPointer: UnsafeMutablePointer<AVPacket>? = packet
        defer { av_packet_free(&packetPointer) }
        var draining = false
        // Damage can make the demuxer or decoder fail without moving on; give up after this many in a row.
        var failuresInARow = 0
        while failuresInARow < 64 {
            guard let frame = av_frame_alloc() else {
                throw VideoIOError(.internalFailure, uri: uri, "out of memory allocating a frame")
            }
            let received = decoder.receive(into: frame)
            if received >= 0 {
                failuresInARow = 0
                work.framesDecoded += 1
                let damaged = frame.pointee.decode_error_flags != 0 || frame.pointee.flags & AV_FRAME_FLAG_CORRUPT != 0
                if damaged { work.decodeErrors += 1 }
                let timestamp = frameTimestamp(frame)
                position.keep(frame, timestamp: timestamp, damaged: damaged)
                if timestamp >= target {
                    position.lastAnswered = target
                    return .frame(frame, timestamp, damaged)
                }
                continue
            }
            freeFrame(frame)
            if received == FFmpegResult.endOfFile {
                position.ended = true
                return endOfStream(target)
            }
            if received != FFmpegResult.again {
                work.decodeErrors += 1
                failuresInARow += 1
                continue
            }
            if draining {
                // The decoder wants input after the end of stream was sent: treat it as drained.
                position.ended = true
                return endOfStream(target)
            }
            switch try demuxer.read(into: packet) {
            case .packet:
                position.atStart = false
                work.packetsRead += 1
                if packet.pointee.flags & AV_PKT_FLAG_KEY != 0 { noteKeyframePacket(packet) }
                if skipsUnneededFrames {
                    // A frame shown before the target that no other frame refers to is never
                    // needed: the decoder may drop it unseen (references are always decoded, so
                    // the target frame is bit-exact).
                    let shownBefore = packet.pointee.pts != vl_nopts_value() && packet.pointee.pts < target
                    decoder.skipFrames = shownBefore ? AVDISCARD_NONREF : AVDISCARD_DEFAULT
                }
                if decoder.send(packet) < 0 {
                    work.decodeErrors += 1
                    failuresInARow += 1
                }
            case .damaged:
                work.decodeErrors += 1
                failuresInARow += 1
            case .endOfData:
                draining = true
                _ = decoder.send(nil)
            }
        }
        position.ended = true
        return .missing("the data around \(format(seconds(target))) s is too damaged to decode (\(failuresInARow) errors in a row)")
    }

    /// At the end of the data: the last frame still answers a target it covers (one inside its
    /// display time); anything later is missing.
    private func endOfStream(_ target: Int64) -> Outcome {
        guard let last = position.lastFrame, let lastTime = position.lastTimestamp else {
            return .missing("no frame decodes at or after \(format(seconds(target))) s: the video data ends before it\(truncationHint())")
        }
        let duration = last.pointee.pkt_duration > 0 ? last.pointee.pkt_duration : frameDuration()
        if target < lastTime + duration {
            position.lastAnswered = target
            return .frame(last, lastTime, position.lastFrameDamaged)
        }
        return .missing("no frame at or after \(format(seconds(target))) s: the video data ends at \(format(seconds(lastTime))) s\(truncationHint())")
    }

    private func truncationHint() -> String {
        info.duration > 0 ? " (the container says it lasts \(format(info.duration)) s: the file is truncated or damaged)" : ""
    }

    private func noteKeyframePacket(_ packet: UnsafeMutablePointer<AVPacket>) {
        let time = packet.pointee.pts != vl_nopts_value() ? packet.pointee.pts : packet.pointee.dts
        guard time != vl_nopts_value(), let group = containerKeyframes.keyframe(atOrBefore: seconds(time)) else { return }
        position.group = max(position.group ?? -1, group)
    }

    // MARK: - Keyframes only

    private func decodeKeyframe(_ target: Int64, keyframes: KeyframeIndex, work: inout DecodeWork) throws -> Outcome {
        let targetSeconds = seconds(target)
        let group = keyframes.keyframe(atOrBefore: targetSeconds) ?? 0
        let keyTime = keyframes.isEmpty ? target : streamTime(keyframes.timestamps[group])
        if let last = position.lastFrame, let lastTime = position.lastTimestamp, position.lastAnswered != nil,
           keyframes.keyframe(atOrBefore: seconds(lastTime)) == group {
            position.lastAnswered = target
            return .frame(last, lastTime, position.lastFrameDamaged)
        }
        try seek(to: keyTime, keyframes: keyframes, work: &work)
        // With non-keyframes skipped, the first frame out is the keyframe the seek landed on.
        return try decodeForward(until: Int64.min + 1, skipsUnneededFrames: false, work: &work)
    }

    // MARK: - Time

    /// Seconds from the start of the file → the stream's time base, rounded as the CLI rounds `-ss`.
    func streamTime(_ seconds: Double) -> Int64 {
        let microseconds = Int64((seconds * 1_000_000).rounded()) + demuxer.startTime
        return av_rescale_q(microseconds, vl_time_base_q(), demuxer.timeBase)
    }

    func seconds(_ streamTime: Int64) -> Double {
        Double(streamTime) * av_q2d(demuxer.timeBase) - Double(demuxer.startTime) / Double(AV_TIME_BASE)
    }

    /// The frame's presentation time as FFmpeg's CLI takes it (best effort: pts, else guessed).
    private func frameTimestamp(_ frame: UnsafeMutablePointer<AVFrame>) -> Int64 {
        let bestEffort = frame.pointee.best_effort_timestamp
        if bestEffort != vl_nopts_value() { return bestEffort }
        if let last = position.lastTimestamp { return last + frameDuration() }
        return streamTime(0)
    }

    private func frameDuration() -> Int64 {
        guard info.frameRate > 0 else { return 1 }
        return max(1, Int64((1 / info.frameRate / av_q2d(demuxer.timeBase)).rounded()))
    }

    func frameIndex(_ seconds: Double) -> Int? {
        guard info.isConstantFrameRate, info.frameRate > 0 else { return nil }
        return Int((seconds * info.frameRate).rounded())
    }

    func format(_ seconds: Double) -> String { String(format: "%.3f", seconds) }
}
