// MaxPool: the maximum over each window (1-D to 3-D), with the optional Indices output. 8-bit
// tensors (a quantized model's) are pooled as floats, which hold every 8-bit value exactly.

public struct MaxPool: Operator {
    public let name = "MaxPool"
    public let geometry: WindowGeometry
    /// Indices are row-major (0) or column-major (1) over each input plane, as ONNX defines them.
    let storageOrder: Int

    public init(geometry: WindowGeometry, storageOrder: Int = 0) {
        self.geometry = geometry
        self.storageOrder = storageOrder
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let x = try inputs.required(0, name).type
        guard x.shape.count >= 3 else { throw invalidInput("MaxPool needs N x C x spatial, got \(x.shape)") }
        guard [.float32, .int8, .uint8].contains(x.elementType) else { throw invalidInput("MaxPool takes float32, int8 or uint8, not \(x.elementType)") }
        let g = try geometry.resolve(spatial: Array(x.shape[2...]), op: name)
        let shape = Array(x.shape[..<2]) + g.output.suffix(x.shape.count - 2)
        return [TensorType(x.elementType, shape), TensorType(.int64, shape)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let x = inputs.required(0)
        if x.elementType != .float32 {
            var pooled = [Tensor(.float32, shape: outputs[0].shape)] + outputs.dropFirst()
            try execute([try Cast(to: .float32).evaluate([x])[0]], &pooled, context)
            outputs[0].copyElements(from: try Cast(to: x.elementType).evaluate([pooled[0]])[0])
            for index in outputs.indices.dropFirst() { outputs[index].copyElements(from: pooled[index]) }
            return
        }
        let g = try geometry.resolve(spatial: Array(x.shape[2...]), op: name)
        let planes = x.shape[0] * x.shape[1]
        if outputs.count == 1 {
            // Without indices: max over rows of taps, with the in-bounds columns worked out once.
            let input = x.withUnsafeBufferPointer(as: Float.self) { $0.baseAddress! }
            let output = outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { $0.baseAddress! }
            WindowedMax.run(input, output, planes: planes, g, context)
            return
        }
        // Indices asked for: the general loop, which tracks where each maximum came from.
        var indices = [Int64](repeating: 0, count: outputs[0].count)
        let spatialRank = x.rank - 2
        x.withUnsafeBufferPointer(as: Float.self) { input in
            outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { y in
                var o = 0
                for p in 0..<planes {
                    let base = p * g.inputCount
                    for d in 0..<g.output[0] { for h in 0..<g.output[1] { for w in 0..<g.output[2] {
                        var best = -Float.infinity, bestIndex = -1
                        g.forEachTapInside(d, h, w) { index in
                            if input[base + index] > best || bestIndex < 0 { best = input[base + index]; bestIndex = index }
                        }
                        y[o] = best
                        var flat = bestIndex
                        if storageOrder == 1, bestIndex >= 0 {
                            // Column-major within the plane: the last spatial axis varies slowest.
                            let s = bestIndex % g.input[2], r = (bestIndex / g.input[2]) % g.input[1], z = bestIndex / (g.input[2] * g.input[1])
                            flat = spatialRank == 2 ? r + s * g.input[1] : z + (r + s * g.input[1]) * g.input[0]
                        }
                        indices[o] = Int64(base + flat)
                        o += 1
                    } } }
                }
            }
        }
        outputs[1].withUnsafeMutableBufferPointer(as: Int64.self) { for i in 0..<$0.count { $0[i] = indices[i] } }
    }
}
