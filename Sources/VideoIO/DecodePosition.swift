// Where the reader's demuxer and decoder stand between requests, so the next target can decide whether to seek.
import CFFmpeg

/// The decoding position: which GOP packets are being read from, the last frame out of the
/// decoder, and whether the stream has ended. Owns `lastFrame`.
struct DecodePosition {
    /// Position in the keyframe index of the last keyframe packet read (nil: none since the last
    /// seek, or no index).
    var group: Int?
    /// The last frame received from the decoder since the last seek, and its timestamp (stream units).
    var lastFrame: UnsafeMutablePointer<AVFrame>?
    var lastTimestamp: Int64?
    var lastFrameDamaged = false
    /// The timestamp of the first frame decoded since the last seek: past the target means the
    /// seek overshot (containers without an index seek by bisection and can land late).
    var firstTimestamp: Int64?
    /// The target (stream units) that `lastFrame` was handed out for, if it was.
    var lastAnswered: Int64?
    /// The demuxer ran out of data and the decoder is drained: nothing more comes without a seek.
    var ended = false
    /// Nothing has been read since the file was opened (the demuxer stands at the first packet).
    var atStart = true
    /// Where damage left frames undecodable, found so far: a property of the file, kept across seeks.
    var damagedGaps: [DamagedGap] = []

    /// Replaces the last frame, freeing the previous one.
    mutating func keep(_ frame: UnsafeMutablePointer<AVFrame>, timestamp: Int64, damaged: Bool) {
        var previous = lastFrame
        av_frame_free(&previous)
        lastFrame = frame
        lastTimestamp = timestamp
        if firstTimestamp == nil { firstTimestamp = timestamp }
        lastFrameDamaged = damaged
        lastAnswered = nil
    }

    /// After a seek: nothing decoded yet in the new place.
    mutating func reset(group: Int?) {
        av_frame_free(&lastFrame)
        lastTimestamp = nil
        firstTimestamp = nil
        lastAnswered = nil
        lastFrameDamaged = false
        ended = false
        atStart = false
        self.group = group
    }
}

/// Frames lost to damage (stream units): from a target on, until the next frame that decoded.
struct DamagedGap {
    let from: Int64
    let until: Int64
    /// The decode errors and damaged frames met on the way.
    let errors: Int
}
