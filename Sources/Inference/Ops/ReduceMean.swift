// ReduceMean: the mean over the given axes (input from opset 18, attribute before), keeping dims or not.

public struct ReduceMean: Operator {
    public let name = "ReduceMean"
    let attributeAxes: [Int]?
    let keepDims: Bool
    let noopWithEmptyAxes: Bool

    public init(axes: [Int]? = nil, keepDims: Bool = true, noopWithEmptyAxes: Bool = false) {
        attributeAxes = axes
        self.keepDims = keepDims
        self.noopWithEmptyAxes = noopWithEmptyAxes
    }

    func reducedAxes(rank: Int, _ inputs: [OperatorInput?]) throws -> Set<Int> {
        let axes = try inputs.value(1, name).map { $0.int64s.map(Int.init) } ?? attributeAxes ?? []
        if axes.isEmpty { return noopWithEmptyAxes ? [] : Set(0..<rank) }
        return Set(try axes.map { try normalizedAxis($0, rank: rank, op: name) })
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let input = try inputs.required(0, name)
        guard input.type.elementType == .float32 else { throw invalidInput("ReduceMean takes float32") }
        let shape = input.type.shape
        let axes = try reducedAxes(rank: shape.count, inputs)
        let output = keepDims ? shape.indices.map { axes.contains($0) ? 1 : shape[$0] } : shape.indices.filter { !axes.contains($0) }.map { shape[$0] }
        return [TensorType(.float32, output)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let input = inputs.required(0)
        let axes = try reducedAxes(rank: input.rank, inputs.map { $0.map(OperatorInput.init) })
        let kept = input.shape.indices.map { axes.contains($0) ? 1 : input.shape[$0] }
        let keptStrides = Broadcast.strides(of: kept, in: input.shape)
        let reducedCount = Float(input.shape.indices.filter { axes.contains($0) }.reduce(1) { $0 * input.shape[$1] })
        var sums = [Double](repeating: 0, count: Tensor.elementCount(kept))
        input.withUnsafeBufferPointer(as: Float.self) { x in
            var index = [Int](repeating: 0, count: input.rank)
            for i in 0..<x.count {
                var target = 0
                for axis in 0..<input.rank { target += index[axis] * keptStrides[axis] }
                sums[target] += Double(x[i])
                advance(&index, in: input.shape)
            }
        }
        outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { y in
            for i in 0..<y.count { y[i] = reducedCount > 0 ? Float(sums[i] / Double(reducedCount)) : .nan }
        }
    }
}
