// The one error type of video functions, mapped to Lambda's Function.* error names.
import LambdaRuntime
import ObjectStore

public struct VideoFunctionError: Error, CustomStringConvertible, LambdaReportableError {
    public enum Code: String, Sendable {
        /// function.json is missing or wrong (an init error).
        case invalidConfig
        /// The event is not JSON, or not one of the formats we take.
        case invalidEvent
        /// The event's video URI cannot be read (policy, not found, access denied...).
        case videoUnavailable
        /// The object is not a video we can decode.
        case invalidVideo
        /// Inference failed.
        case inferenceFailed
        /// The deadline does not leave time for the work left.
        case timeout
        /// The result could not be written to OUTPUT_URI.
        case outputFailed
    }

    public let code: Code
    public let message: String
    /// Why the object store could not give the video (for `.videoUnavailable`), so answers can say
    /// "refused" or "not found" without reading the message.
    public let storeCode: ObjectStoreError.Code?
    /// S3's own error code behind it, when S3 gave one (`NoSuchKey` is the object's absence,
    /// `NoSuchBucket` the bucket's).
    public let storeS3Code: String?

    public init(_ code: Code, _ message: String, storeCode: ObjectStoreError.Code? = nil, storeS3Code: String? = nil) {
        self.code = code
        self.message = message
        self.storeCode = storeCode
        self.storeS3Code = storeS3Code
    }

    public var description: String { message }

    /// Function.InvalidEvent, Function.VideoUnavailable, ... as the Runtime API's error type.
    public var lambdaErrorName: String {
        switch code {
        case .invalidConfig: return "InvalidConfig"
        case .invalidEvent: return "InvalidEvent"
        case .videoUnavailable: return "VideoUnavailable"
        case .invalidVideo: return "InvalidVideo"
        case .inferenceFailed: return "InferenceFailed"
        case .timeout: return "Timeout"
        case .outputFailed: return "OutputFailed"
        }
    }

    public var lambdaErrorMessage: String { message }
}
