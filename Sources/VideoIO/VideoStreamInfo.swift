// What a video stream is: codec, size, rotation, timing and frame count, as read at open.

/// Facts about the video stream a reader decodes. Times are seconds from the start of the file
/// (the container's start time), which is how `ffmpeg -ss` counts them.
public struct VideoStreamInfo: Sendable, Equatable {
    /// The container format's short name ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "avi").
    public var container: String
    /// The codec's short name ("h264", "hevc", "vp9", "mpeg4").
    public var codec: String
    /// The decoder's pixel format name ("yuv420p", "yuv444p").
    public var pixelFormat: String
    /// Size of the coded picture, before rotation.
    public var codedWidth: Int
    public var codedHeight: Int
    /// The turn applied so frames come out upright.
    public var rotation: Rotation
    /// After the turn, the picture is flipped left to right (a display matrix that mirrors).
    public var mirrored = false
    /// When the video's first frame is shown, in seconds from the start of the file: 0 but for a
    /// video that starts after the file's other streams (its audio), as a cut or a mux can leave it.
    public var start = 0.0
    /// Duration in seconds: the stream's own if known, else the container's (less `start`).
    public var duration: Double
    /// Average frames per second (0 when unknown).
    public var frameRate: Double
    /// Frame count: the container's (exact for MP4 and AVI), else duration x frame rate.
    public var frameCount: Int
    /// True when `frameCount` comes from the container rather than an estimate.
    public var frameCountIsExact: Bool
    /// True when frames are evenly spaced, so a frame's index follows from its timestamp.
    public var isConstantFrameRate: Bool

    /// When the video ends, in seconds from the start of the file: what sampling spans is
    /// [start, end).
    public var end: Double { start + duration }

    /// Size of the frames as they come out (after rotation).
    public var width: Int { rotation.swapsDimensions ? codedHeight : codedWidth }
    public var height: Int { rotation.swapsDimensions ? codedWidth : codedHeight }
}
