// BatchNormalization at inference: per channel (x - mean) / sqrt(var + epsilon) * scale + bias.

public struct BatchNormalization: Operator {
    public let name = "BatchNormalization"
    let epsilon: Float
    let momentum: Float
    /// Training mode (opset 14+) normalises with the batch's own statistics and updates the running ones.
    let trainingMode: Bool

    public init(epsilon: Float = 1e-5, momentum: Float = 0.9, trainingMode: Bool = false) {
        self.epsilon = epsilon
        self.momentum = momentum
        self.trainingMode = trainingMode
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let x = try inputs.required(0, name)
        guard x.type.shape.count >= 2, x.type.elementType == .float32 else { throw invalidInput("BatchNormalization needs float32 N x C x ...") }
        try inputs.requireFloat32([1, 2, 3, 4], name)
        for i in 1...4 {
            guard try inputs.required(i, name).type.shape == [x.type.shape[1]] else { throw invalidInput("BatchNormalization: input \(i) must have \(x.type.shape[1]) elements") }
        }
        let channels = TensorType(.float32, [x.type.shape[1]])
        return trainingMode ? [x.type, channels, channels] : [x.type]
    }

    /// Per channel multiplier and offset: y = x * multiplier + offset.
    static func affine(scale: [Float], bias: [Float], mean: [Float], variance: [Float], epsilon: Float) -> (multiplier: [Float], offset: [Float]) {
        let multiplier = scale.indices.map { scale[$0] / (variance[$0] + epsilon).squareRoot() }
        let offset = scale.indices.map { bias[$0] - mean[$0] * multiplier[$0] }
        return (multiplier, offset)
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let x = inputs.required(0)
        let channels = x.shape[1], batch = x.shape[0], spatial = x.shape[2...].reduce(1, *)
        var mean = inputs.required(3).floats, variance = inputs.required(4).floats
        if trainingMode {
            let runningMean = mean, runningVariance = variance
            let values = x.floats
            let n = Double(batch * spatial)
            for c in 0..<channels {
                var sum: Double = 0, squares: Double = 0
                for b in 0..<batch { for s in 0..<spatial { let v = Double(values[(b * channels + c) * spatial + s]); sum += v; squares += v * v } }
                let m = sum / n
                mean[c] = Float(m)
                variance[c] = Float(squares / n - m * m)
            }
            if outputs.count > 2 {
                outputs[1].withUnsafeMutableBufferPointer(as: Float.self) { for c in 0..<channels { $0[c] = runningMean[c] * momentum + mean[c] * (1 - momentum) } }
                outputs[2].withUnsafeMutableBufferPointer(as: Float.self) { for c in 0..<channels { $0[c] = runningVariance[c] * momentum + variance[c] * (1 - momentum) } }
            }
        }
        let (multiplier, offset) = Self.affine(scale: inputs.required(1).floats, bias: inputs.required(2).floats, mean: mean, variance: variance, epsilon: epsilon)
        x.withUnsafeBufferPointer(as: Float.self) { input in
            outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { y in
                context.parallelFor(batch * channels, minimumChunk: Swift.max(1, 4096 / Swift.max(1, spatial))) { range in
                    for plane in range {
                        let c = plane % channels, base = plane * spatial
                        for s in 0..<spatial { y[base + s] = input[base + s] * multiplier[c] + offset[c] }
                    }
                }
            }
        }
    }
}
