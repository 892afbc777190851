// Accurate seeking: when to seek, where to, and how to recover from a seek that lands late.
import CFFmpeg

extension VideoReader {
    // MARK: - Accurate: the first frame at or after the target

    func decodeAccurately(_ target: Int64, keyframes: KeyframeIndex, work: inout DecodeWork) throws -> Outcome {
        // A gap found damaged already: decoding towards it again would only find it again.
        if let reason = damagedGapReason(holding: target) { return .missing(reason) }
        // The frame handed out last is also the first at or after a later target it is not before.
        if let last = position.lastFrame, let lastTime = position.lastTimestamp, let answered = position.lastAnswered,
           answered <= target, lastTime >= target {
            position.lastAnswered = target
            return .frame(last, lastTime, position.lastFrameDamaged)
        }
        guard needsSeek(to: target, keyframes: keyframes) else { return try decodeForward(until: target, work: &work) }
        // A seek should land on a keyframe at or before the target. Without an index (MPEG-TS,
        // MPEG-PS) the demuxer bisects by timestamps and may land after it: the first frame is
        // past the target, or, landing after the last keyframe, packets come and no frame decodes.
        // Then it seeks again further back, each time twice as far, down to the start: the
        // doubling ends there within log2(target) + 2 seeks. (With an index the seek lands on
        // the keyframe, and nothing decoding means the data is missing there: a truncated file,
        // answered at once.)
        var backoff = 0.0
        while true {
            let seekTime = max(0, seconds(target) - backoff)
            try seek(to: streamTime(seekTime), keyframes: keyframes, work: &work)
            let packetsBefore = work.packetsRead
            let outcome = try decodeForward(until: target, work: &work)
            // Without an index to seek by (none, or the one an MPEG-PS demuxer builds as it reads,
            // which its seek does not use), no frame at all is a late landing too: after the last
            // keyframe (packets came, none decoded), or past the last packet of a file whose clock
            // says it holds the target.
            let bisects = keyframes.isEmpty || demuxer.seeksByBisection
            let landedLate = position.firstTimestamp.map { $0 > target }
                ?? (bisects && (work.packetsRead > packetsBefore || seconds(target) < info.end))
            guard landedLate, seekTime > 0 else { return outcome }
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
        // To the start by `rewind` (by bytes where the container allows it): a seek by time to 0
        // in a container without an index bisects too, and lands after the first keyframe. Some
        // streams cannot seek; from the start, decoding forward still finds every frame.
        guard try (microseconds > 0 && demuxer.seek(toMicroseconds: microseconds)) || demuxer.rewind() else { return }
        decoder.flush()
        let group = keyframes.keyframe(atOrBefore: seconds(target))
        position.reset(group: group)
        if let group, keyframes.source == .containerIndex { try prefetch(fromKeyframe: group, through: target) }
    }

    /// Decodes until a frame at or after `target` comes out, or the data ends.

    // MARK: - Keyframes only

    func decodeKeyframe(_ target: Int64, keyframes: KeyframeIndex, work: inout DecodeWork) throws -> Outcome {
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
        return try decodeForward(until: Self.firstFrameOut, skipsUnneededFrames: false, work: &work)
    }
}
