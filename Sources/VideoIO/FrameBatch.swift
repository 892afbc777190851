// What a sampling request returns: the frames found, and the timestamps that could not be decoded.

/// The result of decoding a set of timestamps. A damaged or truncated file still yields the frames
/// that decode; the others are listed in `missing` with the reason, so the caller decides whether a
/// partial answer is good enough.
public struct FrameBatch: Sendable {
    /// One frame per distinct requested timestamp, in ascending order of the request.
    public var frames: [DecodedFrame]
    /// Requested timestamps for which no frame could be decoded.
    public var missing: [MissingFrame]
    /// How the reader got there: seeks, packets and frames decoded.
    public var work: DecodeWork

    public init(frames: [DecodedFrame], missing: [MissingFrame], work: DecodeWork) {
        self.frames = frames
        self.missing = missing
        self.work = work
    }
}

/// A requested timestamp without a frame, and why.
public struct MissingFrame: Sendable, Equatable {
    public var requestedTimestamp: Double
    public var reason: String
}

/// Counters of the decoding work one request caused (to check that cost grows with the number of
/// samples, not the length of the video).
public struct DecodeWork: Sendable, Equatable {
    public var seeks = 0
    public var packetsRead = 0
    public var framesDecoded = 0
    /// Packets the decoder rejected and frames it flagged as damaged.
    public var decodeErrors = 0

    public init() {}
}
