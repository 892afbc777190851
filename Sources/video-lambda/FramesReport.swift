// The frames.json `video-lambda frames` writes: the video, the options, and each frame's time and file.
import VideoIO

/// What was sampled and where it went, for people and for tests comparing with oracles.
struct FramesReport: Encodable {
    struct Video: Encodable {
        var codec: String
        var width: Int
        var height: Int
        var rotation: Int
        var duration: Double
        var frameRate: Double
        var frameCount: Int
    }

    struct Frame: Encodable {
        var file: String
        var raw: String?
        /// Presentation time of the frame, seconds from the start of the file.
        var timestamp: Double
        /// The time asked for: the frame is the first shown at or after it.
        var requested: Double
        var index: Int?
        var keyframe: Bool
        var damaged: Bool
    }

    struct Missing: Encodable {
        var requested: Double
        var reason: String
    }

    var uri: String
    var video: Video
    var width: Int
    var height: Int
    var resize: String
    var scaler: String
    var frames: [Frame] = []
    var missing: [Missing] = []

    init(uri: String, info: VideoStreamInfo, width: Int, height: Int, resize: String, scaler: String) {
        self.uri = uri
        video = Video(codec: info.codec, width: info.width, height: info.height, rotation: info.rotation.rawValue,
                      duration: info.duration, frameRate: info.frameRate, frameCount: info.frameCount)
        self.width = width
        self.height = height
        self.resize = resize
        self.scaler = scaler
    }
}
