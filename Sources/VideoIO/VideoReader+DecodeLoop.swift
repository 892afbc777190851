// The decode loop: packets in, frames out, until a frame at or after the target or the end of the data.
import CFFmpeg

extension VideoReader {
    /// The target that any frame answers: the first out of the decoder (keyframe sampling).
    static let firstFrameOut = Int64.min + 1

    func decodeForward(until target: Int64, skipsUnneededFrames: Bool = true, work: inout DecodeWork) throws -> Outcome {
        if position.ended { return endOfStream(target) }
        guard let packet = av_packet_alloc() else {
            throw VideoIOError(.internalFailure, uri: uri, "out of memory allocating a packet")
        }
        var packetPointer: UnsafeMutablePointer<AVPacket>? = packet
        defer { av_packet_free(&packetPointer) }
        var draining = false
        // Damage can make the demuxer or decoder fail without moving on; give up after this many in a row.
        var failuresInARow = 0
        // Damage met lately (decode errors, or frames decoded from damaged data): then a first
        // frame at or after the target that comes well after it is not the target's frame, which
        // was lost. (Frames at or after the target are never skipped.) The damage counts until as
        // many clean frames have come as the decoder holds in flight (its threads and reorder
        // delay), after which the errors cannot be the ones that cost the frames to come.
        var damageSeen = 0, cleanSince = 0
        let inFlight = max(1, Int(decoder.codecContext.pointee.thread_count)) + Int(decoder.codecContext.pointee.has_b_frames) + 1
        let decodedBefore = position.lastTimestamp != nil
        // A decode or demux error: counted, as damage, and toward giving up.
        func noteError() {
            work.decodeErrors += 1
            damageSeen += 1
            cleanSince = 0
            failuresInARow += 1
        }
        while failuresInARow < 64 {
            guard let frame = av_frame_alloc() else {
                throw VideoIOError(.internalFailure, uri: uri, "out of memory allocating a frame")
            }
            let received = decoder.receive(into: frame)
            if received >= 0 {
                failuresInARow = 0
                work.framesDecoded += 1
                let damaged = frame.pointee.decode_error_flags != 0 || frame.pointee.flags & AV_FRAME_FLAG_CORRUPT != 0
                if damaged { work.decodeErrors += 1; damageSeen += 1; cleanSince = 0 } else { cleanSince += 1 }
                if cleanSince > inFlight { damageSeen = 0 }
                let timestamp = frameTimestamp(frame)
                position.keep(frame, timestamp: timestamp, damaged: damaged)
                if timestamp >= target {
                    // Not for the first frame after a seek (a seek that lands late looks the same,
                    // and is tried again further back), nor when any first frame is wanted.
                    let decodedOneBefore = decodedBefore || position.firstTimestamp != timestamp
                    if damageSeen > 0, decodedOneBefore, target != Self.firstFrameOut, isWellAfter(timestamp, target) {
                        position.damagedGaps.append(DamagedGap(from: target, until: timestamp, errors: damageSeen))
                    }
                    if let reason = damagedGapReason(holding: target) { return .missing(reason) }
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
                if let reason = oversizedPictureReason() { return .missing(reason) }
                noteError()
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
                    if let reason = oversizedPictureReason() { return .missing(reason) }
                    noteError()
                }
            case .damaged:
                noteError()
            case .endOfData:
                draining = true
                _ = decoder.send(nil)
            }
        }
        position.ended = true
        return .missing("the data around \(format(seconds(target))) s is too damaged to decode (\(failuresInARow) errors in a row)")
    }

    /// Whether `frame` comes more than one and a half frames (at the stream's average rate) after
    /// `target`: a frame was due in between. The half is room for clocks that round each frame's
    /// time (33 or 34 ms at 30 fps) and a rate that varies. Never, without a known rate.
    func isWellAfter(_ frame: Int64, _ target: Int64) -> Bool {
        info.frameRate > 0 && seconds(frame) - seconds(target) > 1.5 / info.frameRate
    }

    /// Why `target` has no frame when damage lost the frames from it on (found by `decodeForward`),
    /// nil otherwise. The frame after the gap still answers a target it is not well after.
    func damagedGapReason(holding target: Int64) -> String? {
        guard let gap = position.damagedGaps.first(where: { target >= $0.from && isWellAfter($0.until, target) }) else { return nil }
        return "no frame decodes from \(format(seconds(gap.from))) s until \(format(seconds(gap.until))) s (\(gap.errors) decode errors on the way): the video data there is damaged"
    }

    /// Why the decoder failed, when the stream changed mid-way to pictures over the pixel limit
    /// (the decoder refuses them itself; the error alone read as damage, and the end of the data
    /// as a truncated file). The decoder has taken the new size when it refuses it.
    private func oversizedPictureReason() -> String? {
        let (width, height) = (Int(decoder.codecContext.pointee.width), Int(decoder.codecContext.pointee.height))
        guard width * height > limits.maximumPixelsPerFrame else { return nil }
        return "the video changes to \(width)x\(height) pictures here, \(width * height) pixels per frame, over the limit of \(limits.maximumPixelsPerFrame); downscale the video or raise maximumPixelsPerFrame"
    }

    /// At the end of the data: the last frame still answers a target it covers (one inside its
    /// display time); anything later is missing.
    func endOfStream(_ target: Int64) -> Outcome {
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
        info.duration > 0 ? " (the container says it lasts until \(format(info.end)) s: the file is truncated or damaged)" : ""
    }

    private func noteKeyframePacket(_ packet: UnsafeMutablePointer<AVPacket>) {
        let time = packet.pointee.pts != vl_nopts_value() ? packet.pointee.pts : packet.pointee.dts
        guard time != vl_nopts_value(), let group = containerKeyframes.keyframe(atOrBefore: seconds(time)) else { return }
        position.group = max(position.group ?? -1, group)
    }
}
