// Time conversions: seconds from the start of the file <-> stream timestamps, frame indices.
import CFFmpeg

extension VideoReader {
    /// Seconds from the start of the file → the stream's time base, rounded as the CLI rounds `-ss`.
    func streamTime(_ seconds: Double) -> Int64 {
        let microseconds = Int64((seconds * 1_000_000).rounded()) + demuxer.startTime
        return av_rescale_q(microseconds, vl_time_base_q(), demuxer.timeBase)
    }

    func seconds(_ streamTime: Int64) -> Double { demuxer.seconds(streamTime) }

    /// The frame's presentation time as FFmpeg's CLI takes it (best effort: pts, else guessed).
    func frameTimestamp(_ frame: UnsafeMutablePointer<AVFrame>) -> Int64 {
        let bestEffort = frame.pointee.best_effort_timestamp
        if bestEffort != vl_nopts_value() { return bestEffort }
        if let last = position.lastTimestamp { return last + frameDuration() }
        return streamTime(0)
    }

    func frameDuration() -> Int64 {
        guard info.frameRate > 0 else { return 1 }
        return max(1, Int64((1 / info.frameRate / av_q2d(demuxer.timeBase)).rounded()))
    }

    func frameIndex(_ seconds: Double) -> Int? {
        guard info.isConstantFrameRate, info.frameRate > 0 else { return nil }
        return Int(((seconds - info.start) * info.frameRate).rounded())
    }

    func format(_ seconds: Double) -> String { VideoLimits.threeDecimals(seconds) }
}
