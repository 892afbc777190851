// LayerNormalization: (x - mean) / sqrt(var + epsilon) * scale + bias over the axes from `axis` on.

public struct LayerNormalization: Operator {
    public let name = "LayerNormalization"
    let axis: Int
    let epsilon: Float

    public init(axis: Int = -1, epsilon: Float = 1e-5) {
        self.axis = axis
        self.epsilon = epsilon
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let input = try inputs.required(0, name)
        _ = try inputs.required(1, name)
        try inputs.requireFloat32([0, 1, 2], name)
        let a = try normalizedAxis(axis, rank: input.type.shape.count, op: name)
        // Mean and InvStdDev keep the normalised axes as size 1.
        let statistics = input.type.shape.indices.map { $0 < a ? input.type.shape[$0] : 1 }
        return [input.type, TensorType(.float32, statistics), TensorType(.float32, statistics)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let x = inputs.required(0), scale = inputs.required(1), bias = inputs.optional(2)
        let a = try normalizedAxis(axis, rank: x.rank, op: name)
        let rows = x.shape[..<a].reduce(1, *), width = x.shape[a...].reduce(1, *)
        let scaleShape = Array(x.shape[a...])
        // Scale and bias broadcast against the normalised block.
        let scaleValues = try expand(scale, to: scaleShape), biasValues = try bias.map { try expand($0, to: scaleShape) }
        var means = [Float](repeating: 0, count: rows), inverseDeviations = means
        x.withUnsafeBufferPointer(as: Float.self) { input in
            outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { y in
                for r in 0..<rows {
                    var sum: Double = 0
                    for i in 0..<width { sum += Double(input[r * width + i]) }
                    let mean = sum / Double(width)
                    var squares: Double = 0
                    for i in 0..<width { let d = Double(input[r * width + i]) - mean; squares += d * d }
                    let inverse = 1 / (squares / Double(width) + Double(epsilon)).squareRoot()
                    for i in 0..<width {
                        let normalised = Float((Double(input[r * width + i]) - mean) * inverse)
                        y[r * width + i] = normalised * scaleValues[i] + (biasValues?[i] ?? 0)
                    }
                    means[r] = Float(mean)
                    inverseDeviations[r] = Float(inverse)
                }
            }
        }
        if outputs.count > 1 { outputs[1].withUnsafeMutableBufferPointer(as: Float.self) { for i in 0..<rows { $0[i] = means[i] } } }
        if outputs.count > 2 { outputs[2].withUnsafeMutableBufferPointer(as: Float.self) { for i in 0..<rows { $0[i] = inverseDeviations[i] } } }
    }

    private func expand(_ tensor: Tensor, to shape: [Int]) throws -> [Float] {
        let ones = Tensor(.float32, shape: shape)
        var output = Tensor(.float32, shape: try Broadcast.shape(shape, tensor.shape, op: name))
        guard output.shape == shape else { throw invalidInput("LayerNormalization: scale \(tensor.shape) does not fit \(shape)") }
        binaryKernel(ones, tensor, &output, Float.self) { $1 }
        return output.floats
    }
}
