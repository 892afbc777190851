// InstanceNormalization: each (image, channel) plane normalized by its own mean and variance, then
// scale[c]·x̂ + bias[c] (style transfer and GAN generators).
import Glibc

public struct InstanceNormalization: Operator {
    public let name = "InstanceNormalization"
    let epsilon: Float

    public init(epsilon: Float = 1e-5) { self.epsilon = epsilon }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        try inputs.requireFloat32([0, 1, 2], name)
        let input = try inputs.required(0, name), scale = try inputs.required(1, name), bias = try inputs.required(2, name)
        guard input.type.shape.count >= 3 else { throw invalidInput("InstanceNormalization takes [N, C, D1, ...], not \(input.type.shape)") }
        let channels = input.type.shape[1]
        guard scale.type.shape == [channels], bias.type.shape == [channels] else {
            throw invalidInput("InstanceNormalization: scale \(scale.type.shape) and bias \(bias.type.shape) must be [\(channels)]")
        }
        return [input.type]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let input = inputs.required(0)
        let (scale, bias) = (inputs.required(1).floats, inputs.required(2).floats)
        let channels = input.shape[1]
        let plane = input.shape[2...].reduce(1, *)
        let epsilon = Double(self.epsilon)
        input.withUnsafeBufferPointer(as: Float.self) { x in
            outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { y in
                context.parallelFor(input.shape[0] * channels, minimumChunk: 1) { planes in
                    for p in planes {
                        let start = p * plane, channel = p % channels
                        // Mean, then variance around it, in Double: a plane may hold a million values.
                        var sum = 0.0
                        for i in start..<start + plane { sum += Double(x[i]) }
                        let mean = sum / Double(plane)
                        var squares = 0.0
                        for i in start..<start + plane { let d = Double(x[i]) - mean; squares += d * d }
                        let variance = squares / Double(plane)
                        let factor = Float(1 / (variance + epsilon).squareRoot()) * scale[channel]
                        let shift = bias[channel] - Float(mean) * factor
                        for i in start..<start + plane { y[i] = x[i] * factor + shift }
                    }
                }
            }
        }
    }
}
