// What a video function answers: the model, the stream, per-frame and aggregate scores, timings.

public struct AnalysisResult: Encodable, Sendable {
    public struct ModelInfo: Encodable, Sendable { public var name: String; public var sha256: String }
    public struct StreamInfo: Encodable, Sendable {
        public var durationSeconds: Double, width: Int, height: Int, frameRate: Double, codec: String, rotation: Int
    }
    public struct FrameScores: Encodable, Sendable {
        public var timestamp: Double
        public var index: Int?
        /// The top-k labels, best first.
        public var top: [LabelScore]
        public var flagged: Bool?
    }
    public struct LabelScore: Encodable, Sendable, Equatable { public var label: String; public var score: Float }
    public struct TimeRange: Encodable, Sendable, Equatable { public var start: Double; public var end: Double }
    public struct ThresholdSummary: Encodable, Sendable {
        public var label: String, threshold: Float, max: Float, mean: Float
        public var flaggedFrames: Int
        public var ranges: [TimeRange]
        public var verdict: String
    }
    public struct VoteSummary: Encodable, Sendable {
        public var label: String
        /// The winner's share of the frames.
        public var confidence: Double
        public var votes: [String: Int]
        /// The winner's meaning from function.json (e.g. how to rotate the video upright).
        public var meaning: String?
    }
    public struct MissingFrame: Encodable, Sendable { public var timestamp: Double; public var reason: String }
    public struct Timings: Encodable, Sendable {
        public var fetchMs = 0.0, decodeMs = 0.0, preprocessMs = 0.0, inferMs = 0.0, totalMs = 0.0
    }

    public var function: String
    public var video: String
    public var model: ModelInfo
    public var stream: StreamInfo
    public var sampledFrames: Int
    public var frames: [FrameScores]?
    /// "mean" / "max" → label → score.
    public var aggregate: [String: [String: Float]]?
    public var threshold: ThresholdSummary?
    public var vote: VoteSummary?
    public var missingFrames: [MissingFrame]?
    /// Why fewer frames than asked were analysed (the deadline), when that happened.
    public var stoppedEarly: String?
    /// Where the full result was written (S3 and SQS events).
    public var output: String?
    public var bytesFetched: Int64
    public var timings: Timings

    /// The result without per-frame detail: what S3 and SQS invocations return next to the stored file.
    public var summary: AnalysisResult {
        var copy = self
        copy.frames = nil
        return copy
    }
}
