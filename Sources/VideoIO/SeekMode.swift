// Exact frames (decode forward from the keyframe) or keyframes only (fast, approximate).

/// How a timestamp becomes a frame.
public enum SeekMode: String, Sendable {
    /// The first frame shown at or after the timestamp, as `ffmpeg -ss T` gives it.
    case accurate
    /// The keyframe at or before the timestamp: no frame between keyframes is decoded, so it is
    /// several times cheaper, but the frame may be up to a GOP (often 2-10 s) earlier.
    case keyframe
}
