// Softmax: exp(x - max) / sum along one axis (opset 13; older opsets coerce to 2-D at `axis`).
import Glibc

public struct Softmax: Operator {
    public let name = "Softmax"
    let axis: Int
    /// Opset < 13 flattens everything from `axis` on into one row.
    let flattensFromAxis: Bool

    public init(axis: Int = -1, flattensFromAxis: Bool = false) {
        self.axis = axis
        self.flattensFromAxis = flattensFromAxis
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let input = try inputs.required(0, name)
        guard input.type.elementType == .float32 else { throw invalidInput("Softmax takes float32") }
        _ = try normalizedAxis(axis, rank: input.type.shape.count, op: name)
        return [input.type]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let input = inputs.required(0)
        let a = try normalizedAxis(axis, rank: input.rank, op: name)
        let outer = input.shape[..<a].reduce(1, *)
        let (extent, inner) = flattensFromAxis ? (input.shape[a...].reduce(1, *), 1) : (input.shape[a], input.shape[(a + 1)...].reduce(1, *))
        input.withUnsafeBufferPointer(as: Float.self) { x in
            outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { y in
                context.parallelFor(outer * inner, minimumChunk: 64) { range in
                    for lane in range {
                        let base = (lane / inner) * extent * inner + lane % inner
                        var maximum = -Float.infinity
                        for k in 0..<extent { maximum = Swift.max(maximum, x[base + k * inner]) }
                        // Summed in Double: with one logit far ahead (an OCR model's 18,710 classes),
                        // each small term is under half a float step of the running sum and was
                        // lost one by one (3.8e-4 off onnxruntime on such a model; 2.6e-5 now).
                        var sum: Double = 0
                        for k in 0..<extent { let e = expf(x[base + k * inner] - maximum); y[base + k * inner] = e; sum += Double(e) }
                        let total = Float(sum)
                        for k in 0..<extent { y[base + k * inner] /= total }
                    }
                }
            }
        }
    }
}
