// What a model wants its input to look like: size, fit, scaler, channel order, normalization, layout.

/// Channel order of the tensor: models trained with OpenCV usually expect BGR.
public enum ChannelOrder: String, Sendable, CaseIterable {
    case rgb
    case bgr
}

/// Per-channel normalization applied to each 8-bit value x: (x * scale - mean[c]) / std[c],
/// with channels in RGB order (they follow the pixels when the order is BGR).
public struct Normalization: Sendable, Equatable {
    public var scale: Float
    public var mean: [Float]
    public var std: [Float]

    public init(scale: Float = 1 / 255, mean: [Float] = [0, 0, 0], std: [Float] = [1, 1, 1]) {
        self.scale = scale
        self.mean = mean
        self.std = std
    }

    /// Values in 0...1.
    public static let unit = Normalization()
    /// The ImageNet statistics most torchvision models are trained with.
    public static let imageNet = Normalization(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
    /// Values in 0...255, unchanged.
    public static let none = Normalization(scale: 1)
}

/// Everything `Preprocessor` needs to turn frames into a model's input batch.
public struct PreprocessOptions: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var resize: ResizeMode
    public var algorithm: ScalingAlgorithm
    public var channelOrder: ChannelOrder
    public var normalization: Normalization
    public var layout: TensorLayout

    public init(width: Int, height: Int, resize: ResizeMode = .stretch, algorithm: ScalingAlgorithm = .bilinear,
                channelOrder: ChannelOrder = .rgb, normalization: Normalization = .unit, layout: TensorLayout = .nchw) {
        self.width = width
        self.height = height
        self.resize = resize
        self.algorithm = algorithm
        self.channelOrder = channelOrder
        self.normalization = normalization
        self.layout = layout
    }
}
