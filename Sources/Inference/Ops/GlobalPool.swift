// GlobalAveragePool and GlobalMaxPool: one value per channel over all spatial positions.

/// The shared shape and loop of the two global pools.
protocol GlobalPool: Operator {
    func reduce(_ values: UnsafeBufferPointer<Float>) -> Float
}

extension GlobalPool {
    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let x = try inputs.required(0, name)
        guard x.type.shape.count >= 3, x.type.elementType == .float32 else { throw invalidInput("\(name) needs float32 N x C x spatial") }
        return [TensorType(.float32, Array(x.type.shape[..<2]) + [Int](repeating: 1, count: x.type.shape.count - 2))]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let x = inputs.required(0)
        let planes = x.shape[0] * x.shape[1], spatial = x.shape[2...].reduce(1, *)
        x.withUnsafeBufferPointer(as: Float.self) { input in
            outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { y in
                for p in 0..<planes { y[p] = reduce(UnsafeBufferPointer(rebasing: input[(p * spatial)..<((p + 1) * spatial)])) }
            }
        }
    }
}

public struct GlobalAveragePool: GlobalPool {
    public let name = "GlobalAveragePool"
    public init() {}
    func reduce(_ values: UnsafeBufferPointer<Float>) -> Float {
        var sum: Float = 0
        for v in values { sum += v }
        return sum / Float(values.count)
    }
}

public struct GlobalMaxPool: GlobalPool {
    public let name = "GlobalMaxPool"
    public init() {}
    func reduce(_ values: UnsafeBufferPointer<Float>) -> Float { values.max() ?? 0 }
}
