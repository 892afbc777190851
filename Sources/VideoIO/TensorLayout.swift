// Where each value of a preprocessed batch goes: NCHW, NHWC, or NCTHW for clip models.

/// The memory layout of the float32 batch. N frames of C = 3 channels, H x W pixels.
public enum TensorLayout: Sendable, Equatable {
    /// [N, 3, H, W]: what most ONNX image models take.
    case nchw
    /// [N, H, W, 3]: TensorFlow-style models.
    case nhwc
    /// [N / T, 3, T, H, W]: video (clip) models, consecutive groups of `clipLength` frames forming
    /// one clip; nil makes all frames one clip.
    case ncthw(clipLength: Int?)

    func shape(frames: Int, height: Int, width: Int) -> [Int] {
        switch self {
        case .nchw: return [frames, 3, height, width]
        case .nhwc: return [frames, height, width, 3]
        case .ncthw(let clipLength):
            let length = clipLength ?? frames
            return [frames / max(1, length), 3, length, height, width]
        }
    }

    /// Element offsets of frame `frame`: where its channel `c` pixel (y, x) lands is
    /// base + c * channelStride + y * rowStride + x * pixelStride.
    func strides(frame: Int, height: Int, width: Int, frames: Int) -> (base: Int, channelStride: Int, rowStride: Int, pixelStride: Int) {
        let plane = height * width
        switch self {
        case .nchw:
            return (frame * 3 * plane, plane, width, 1)
        case .nhwc:
            return (frame * plane * 3, 1, width * 3, 3)
        case .ncthw(let clipLength):
            let length = clipLength ?? frames
            let clip = frame / length, time = frame % length
            return (clip * 3 * length * plane + time * plane, length * plane, width, 1)
        }
    }
}
