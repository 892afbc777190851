// MaxPool: the maximum over each window (1-D to 3-D), with the optional Indices output.

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
        guard x.elementType == .float32 else { throw invalidInput("MaxPool takes float32 here, not \(x.elementType)") }
        let g = try geometry.resolve(spatial: Array(x.shape[2...]), op: name)
        let shape = Array(x.shape[..<2]) + g.output.suffix(x.shape.count - 2)
        return [TensorType(.float32, shape), TensorType(.int64, shape)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let x = inputs.required(0)
        let g = try geometry.resolve(spatial: Array(x.shape[2...]), op: name)
        let planes = x.shape[0] * x.shape[1]
        let wantsIndices = outputs.count > 1
        if !wantsIndices {
            // Without indices: max over rows of taps, with the in-bounds columns worked out once.
            let input = x.withUnsafeBufferPointer(as: Float.self) { $0.baseAddress! }
            let output = outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { $0.baseAddress! }
            WindowedMax.run(input, output, planes: planes, g, context)
            return
        }
        var indices = [Int64](repeating: 0, count: wantsIndices ? outputs[0].count : 0)
        let spatialRank = x.rank - 2
        x.withUnsafeBufferPointer(as: Float.self) { input in
            outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { y in
                var o = 0
                for p in 0..<planes {
                    let base = p * g.inputCount
                    for d in 0..<g.output[0] { for h in 0..<g.output[1] { for w in 0..<g.output[2] {
                        var best = -Float.infinity, bestIndex = -1
                        for a in 0..<g.kernel[0] {
                            let z = d * g.strides[0] - g.padBegin[0] + a * g.dilations[0]
                            if z < 0 || z >= g.input[0] { continue }
                            for b in 0..<g.kernel[1] {
                                let r = h * g.strides[1] - g.padBegin[1] + b * g.dilations[1]
                                if r < 0 || r >= g.input[1] { continue }
                                for c in 0..<g.kernel[2] {
                                    let s = w * g.strides[2] - g.padBegin[2] + c * g.dilations[2]
                                    if s < 0 || s >= g.input[2] { continue }
                                    let index = (z * g.input[1] + r) * g.input[2] + s
                                    if input[base + index] > best || bestIndex < 0 { best = input[base + index]; bestIndex = index }
                                }
                            }
                        }
                        y[o] = best
                        if wantsIndices {
                            var flat = bestIndex
                            if storageOrder == 1, bestIndex >= 0 {
                                // Column-major within the plane: the last spatial axis varies slowest.
                                let s = bestIndex % g.input[2], r = (bestIndex / g.input[2]) % g.input[1], z = bestIndex / (g.input[2] * g.input[1])
                                flat = spatialRank == 2 ? r + s * g.input[1] : z + (r + s * g.input[1]) * g.input[0]
                            }
                            indices[o] = Int64(base + flat)
                        }
                        o += 1
                    } } }
                }
            }
        }
        if wantsIndices { outputs[1].withUnsafeMutableBufferPointer(as: Int64.self) { for i in 0..<$0.count { $0[i] = indices[i] } } }
    }
}
