// LRN: local response normalization across channels (AlexNet, GoogLeNet):
// y = x / (bias + alpha / size · Σ x² over the `size` channels around c) ^ beta.
import Glibc

public struct LRN: Operator {
    public let name = "LRN"
    let alpha: Float, beta: Float, bias: Float, size: Int

    public init(alpha: Float = 1e-4, beta: Float = 0.75, bias: Float = 1, size: Int) {
        self.alpha = alpha
        self.beta = beta
        self.bias = bias
        self.size = size
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        try inputs.requireFloat32([0], name)
        let input = try inputs.required(0, name)
        guard input.type.shape.count >= 3 else { throw invalidInput("LRN takes [N, C, D1, ...], not \(input.type.shape)") }
        guard size > 0, size <= 1 << 16 else { throw invalidInput("LRN: size \(size) must be from 1 to 65536") }
        return [input.type]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let input = inputs.required(0)
        let channels = input.shape[1], plane = input.shape[2...].reduce(1, *)
        // The window: floor((size - 1) / 2) channels before c, ceil((size - 1) / 2) after.
        let (before, after) = ((size - 1) / 2, size / 2)
        let scale = alpha / Float(size)
        input.withUnsafeBufferPointer(as: Float.self) { x in
            outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { y in
                context.parallelFor(input.shape[0] * channels, minimumChunk: 1) { planes in
                    for p in planes {
                        let (image, channel) = (p / channels, p % channels)
                        let window = Swift.max(0, channel - before)...Swift.min(channels - 1, channel + after)
                        for i in 0..<plane {
                            var squares: Float = 0
                            for c in window { let v = x[(image * channels + c) * plane + i]; squares += v * v }
                            let index = p * plane + i
                            y[index] = x[index] / powf(bias + scale * squares, beta)
                        }
                    }
                }
            }
        }
    }
}
