// One video to analyse and how: the direct event's fields, also what the other event formats carry.
import LambdaRuntime
import VideoIO

/// {"video": URI, "frames": 16, "start": s, "end": s, "every": s, "perFrame": bool}
public struct VideoRequest: Equatable, Sendable {
    public var video: String
    public var frames: Int?
    public var start: Double?
    public var end: Double?
    public var every: Double?
    public var perFrame: Bool
    /// The S3 version to analyse (its quoted ETag), from a notification: not the event's to set.
    public var expectedETag: String? = nil

    public init(video: String, frames: Int? = nil, start: Double? = nil, end: Double? = nil, every: Double? = nil, perFrame: Bool = false) {
        self.video = video
        self.frames = frames
        self.start = start
        self.end = end
        self.every = every
        self.perFrame = perFrame
    }

    /// The longest `video` URI accepted.
    static let maximumURIBytes = 8192

    /// The keys a direct event may hold. Another is refused rather than left out: a misspelt
    /// setting ("frame", "Every") would otherwise analyse the video with the defaults, and say nothing.
    static let knownKeys: Set<String> = ["video", "frames", "start", "end", "every", "perFrame"]

    /// Reads a direct event object, naming the field that is wrong.
    init(_ object: [String: JSONValue]) throws {
        func invalid(_ reason: String) -> VideoFunctionError { VideoFunctionError(.invalidEvent, reason) }
        guard let video = object["video"] else { throw invalid("the event has no \"video\" field (a URI: s3://bucket/key, https://... or a path)") }
        guard case .string(let uri) = video, !uri.isEmpty else { throw invalid("\"video\" must be a non-empty string URI") }
        // Longer than any path (4096), S3 URI (1024-byte keys) or URL in use; every error about the
        // video names its URI, and a 5 MB one would make a 5 MB error.
        guard uri.utf8.count <= Self.maximumURIBytes else {
            throw invalid("\"video\" is \(uri.utf8.count) bytes long; a URI may have at most \(Self.maximumURIBytes)")
        }
        if let unknown = object.keys.filter({ !Self.knownKeys.contains($0) }).min() {
            // Quoted cut short: the error goes back to the caller, and a key can be as long as the event.
            let shown = unknown.count > 64 ? unknown.prefix(64) + "…" : unknown
            throw invalid("the event has a key \"\(shown)\" that no setting reads; a direct event takes \(Self.knownKeys.sorted().joined(separator: ", "))")
        }
        func number(_ key: String) throws -> Double? {
            switch object[key] {
            case nil, .null?: return nil
            case .number(let value)?: guard value.isFinite, value >= 0 else { throw invalid("\"\(key)\" must be a non-negative number") }; return value
            default: throw invalid("\"\(key)\" must be a number")
            }
        }
        let frames = try number("frames")
        if let frames, frames != frames.rounded() || frames < 1 { throw invalid("\"frames\" must be a positive whole number") }
        // Checked before it becomes an Int, which 1e300 is not; each function's own (lower) limit follows.
        let frameLimit = VideoLimits.defaultMaximumFramesPerRequest
        if let frames, frames > Double(frameLimit) {
            throw invalid("\"frames\" is \(VideoLimits.format(frames)); at most \(frameLimit) frames can be sampled from one video")
        }
        var perFrame = false
        switch object["perFrame"] {
        case nil, .null?: break
        case .bool(let value)?: perFrame = value
        default: throw invalid("\"perFrame\" must be true or false")
        }
        let every = try number("every")
        if let every, every <= 0 { throw invalid("\"every\" must be a positive number of seconds") }
        // One of the two plans: "every" would otherwise win, and the count asked for be silently another.
        if every != nil, frames != nil { throw invalid("give \"frames\" (a count spread over the video) or \"every\" (seconds between frames), not both") }
        self.init(video: uri, frames: frames.map { Int($0) }, start: try number("start"), end: try number("end"), every: every, perFrame: perFrame)
        if let start, let end, end <= start { throw invalid("\"end\" (\(end)) must be after \"start\" (\(start))") }
    }

    /// The sampling plan: one frame every `every` seconds, else `frames` uniform frames (the
    /// function's default count), over [start, end).
    func plan(defaultFrames: Int, maximumFrames: Int) throws -> SamplingPlan {
        if let frames, frames > maximumFrames {
            throw VideoFunctionError(.invalidEvent, "\"frames\" is \(frames); this function takes at most \(maximumFrames)")
        }
        if let every { return .every(seconds: every, start: start, end: end) }
        return .uniform(count: frames ?? defaultFrames, start: start, end: end)
    }
}
