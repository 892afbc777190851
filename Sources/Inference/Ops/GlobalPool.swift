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
                // About 32K values per thread hand-off.
                context.parallelFor(planes, minimumChunk: Swift.max(1, 32768 / Swift.max(1, spatial))) { range in
                    for p in range { y[p] = reduce(UnsafeBufferPointer(rebasing: input[(p * spatial)..<((p + 1) * spatial)])) }
                }
            }
        }
    }
}

public struct GlobalAveragePool: GlobalPool {
    public let name = "GlobalAveragePool"
    public init() {}
    func reduce(_ values: UnsafeBufferPointer<Float>) -> Float {
        // Eight running sums, one per lane: a single running sum fixes the order of the additions,
        // which keeps the loop from being vectorised.
        guard let base = values.baseAddress else { return 0 }
        var lanes = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= values.count {
            lanes += UnsafeRawPointer(base + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var sum = lanes.sum()
        while i < values.count {
            sum += base[i]
            i += 1
        }
        return sum / Float(values.count)
    }
}

public struct GlobalMaxPool: GlobalPool {
    public let name = "GlobalMaxPool"
    public init() {}
    func reduce(_ values: UnsafeBufferPointer<Float>) -> Float { values.max() ?? 0 }
}
