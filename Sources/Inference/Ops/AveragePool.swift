// AveragePool: the mean over each window (1-D to 3-D), counting padding or not (count_include_pad).

public struct AveragePool: Operator {
    public let name = "AveragePool"
    public let geometry: WindowGeometry
    let countIncludePad: Bool

    public init(geometry: WindowGeometry, countIncludePad: Bool = false) {
        self.geometry = geometry
        self.countIncludePad = countIncludePad
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let x = try inputs.required(0, name).type
        guard x.shape.count >= 3, x.elementType == .float32 else { throw invalidInput("AveragePool needs float32 N x C x spatial, got \(x)") }
        let g = try geometry.resolve(spatial: Array(x.shape[2...]), op: name)
        return [TensorType(.float32, Array(x.shape[..<2]) + g.output.suffix(x.shape.count - 2))]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let x = inputs.required(0)
        let g = try geometry.resolve(spatial: Array(x.shape[2...]), op: name)
        let planes = x.shape[0] * x.shape[1]
        let kernelCount = g.kernelCount
        x.withUnsafeBufferPointer(as: Float.self) { input in
            outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { y in
                context.parallelFor(planes, minimumChunk: 1) { range in
                    for p in range {
                        let base = p * g.inputCount
                        var o = p * g.outputCount
                        for d in 0..<g.output[0] { for h in 0..<g.output[1] { for w in 0..<g.output[2] {
                            var sum: Float = 0
                            var counted = 0
                            g.forEachTapInside(d, h, w) { index in
                                sum += input[base + index]
                                counted += 1
                            }
                            // With count_include_pad every tap counts: ONNX pads the input (and, in
                            // ceil mode, extends the end padding to the last window) before averaging.
                            if countIncludePad { counted = kernelCount }
                            y[o] = counted > 0 ? sum / Float(counted) : 0
                            o += 1
                        } } }
                    }
                }
            }
        }
    }
}
