// The one error type of model loading: what is wrong with the model file, and what to do about it.

public struct ModelError: Error, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        /// The file cannot be read.
        case io
        /// The zstd stream is corrupt or cut short.
        case corruptCompression
        /// The model is larger than a model can be here: 2 GiB (one protobuf message), or the memory
        /// this process may use when that is less.
        case tooLarge
        /// The zstd frame's checksum does not match its content.
        case checksumMismatch
        /// The decompressed model's sha256 differs from the pin the caller gave.
        case sha256Mismatch
        /// The bytes are not an ONNX ModelProto.
        case notONNX
        /// The model's default-domain opset is outside what the engine implements.
        case unsupportedOpset
        /// Operators (or configurations of them) the engine does not implement; all are listed.
        case unsupportedOperators
        /// The graph is malformed (unknown value, bad attribute, unsupported tensor type...).
        case invalidModel
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
