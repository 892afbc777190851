// The one error type of VideoIO: what is wrong with a video (or a request on it), in words a user can act on.

/// A video that cannot be read, or a request it cannot satisfy. `description` names the URI, the
/// offending value and what to do. Failures of the bytes underneath (S3, HTTPS, files) are not
/// wrapped: they surface as the `ObjectStoreError` the reader threw.
public struct VideoIOError: Error, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        /// No demuxer recognises the bytes: not a media file at all.
        case notAVideo
        /// A media file without a video stream (audio only, subtitles...).
        case noVideoStream
        /// The video stream's codec has no decoder in this build, or the decoder refused to open.
        case unsupportedCodec
        /// The container or the compressed data is damaged or truncated where it was needed.
        case corruptData
        /// A frame has more pixels than the limit allows.
        case tooManyPixels
        /// The video is longer than the limit allows.
        case tooLong
        /// The video has no frames to sample (zero duration or zero frames).
        case noFrames
        /// A request that cannot be met: a bad sampling plan, size or option.
        case invalidRequest
        /// FFmpeg failed in a way that is not about the data (out of memory, internal error).
        case internalFailure
    }

    public let code: Code
    public let uri: String
    public let reason: String

    public init(_ code: Code, uri: String, _ reason: String) {
        self.code = code
        self.uri = uri
        self.reason = reason
    }

    public var description: String {
        let what: String
        switch code {
        case .notAVideo: what = "not a video"
        case .noVideoStream: what = "no video stream"
        case .unsupportedCodec: what = "unsupported codec"
        case .corruptData: what = "corrupt or truncated data"
        case .tooManyPixels: what = "frames too large"
        case .tooLong: what = "video too long"
        case .noFrames: what = "no frames"
        case .invalidRequest: what = "invalid request"
        case .internalFailure: what = "decoder failure"
        }
        return "\(uri): \(what): \(reason)"
    }
}
