// A loaded model: its graph for the engine, plus what the file says about itself.
import Inference

public struct Model: Sendable {
    public let graph: Graph
    /// The default-domain opset the model was exported with.
    public let opset: Int
    public let producer: String
    /// metadata_props (e.g. class labels some exporters store there).
    public let metadata: [String: String]
    /// sha256 of the ONNX model (after decompression), lower-case hex.
    public let sha256: String
}
