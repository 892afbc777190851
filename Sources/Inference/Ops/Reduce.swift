// ReduceMean, ReduceSum, ReduceMax and ReduceMin: one value over the given axes (an input from
// opset 13 for ReduceSum and 18 for the others, an attribute before), keeping dims or not.

public struct Reduce: Operator {
    public enum Kind: String, Sendable {
        case mean = "ReduceMean", sum = "ReduceSum", max = "ReduceMax", min = "ReduceMin"
    }

    public var name: String { kind.rawValue }
    let kind: Kind
    let attributeAxes: [Int]?
    let keepDims: Bool
    let noopWithEmptyAxes: Bool

    public init(_ kind: Kind, axes: [Int]? = nil, keepDims: Bool = true, noopWithEmptyAxes: Bool = false) {
        self.kind = kind
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
        let type = input.type.elementType
        switch (kind, type) {
        case (.mean, .float32), (.sum, .float32), (.sum, .int64), (.sum, .int32), (.max, _), (.min, _): break
        default: throw invalidInput("\(name) does not take \(type) tensors")
        }
        let shape = input.type.shape
        let axes = try reducedAxes(rank: shape.count, inputs)
        let output = keepDims ? shape.indices.map { axes.contains($0) ? 1 : shape[$0] } : shape.indices.filter { !axes.contains($0) }.map { shape[$0] }
        return [TensorType(type, output)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let input = inputs.required(0)
        let axes = try reducedAxes(rank: input.rank, inputs.map { $0.map(OperatorInput.init) })
        switch input.elementType {
        // Floats are summed in Double (a float sum over many values drifts); integers exactly.
        case .float32: reduce(input, axes, &outputs[0], Float.self, Double.init, { Float($0) })
        case .int64: reduce(input, axes, &outputs[0], Int64.self, { $0 }, { $0 })
        case .int32: reduce(input, axes, &outputs[0], Int32.self, Int64.init, { Int32(truncatingIfNeeded: $0) })
        case .bool: reduce(input, axes, &outputs[0], Bool.self, { $0 ? 1 : 0 }, { $0 != 0 })
        case .uint8: reduce(input, axes, &outputs[0], UInt8.self, Int64.init, { UInt8(truncatingIfNeeded: $0) })
        case .int8: reduce(input, axes, &outputs[0], Int8.self, Int64.init, { Int8(truncatingIfNeeded: $0) })
        }
    }

    /// Folds every element into its kept position with accumulator type A, then writes the results.
    private func reduce<T, A: Numeric & Comparable>(_ input: Tensor, _ axes: Set<Int>, _ output: inout Tensor, _ type: T.Type,
                                                    _ widen: (T) -> A, _ narrow: (A) -> T) {
        let kept = input.shape.indices.map { axes.contains($0) ? 1 : input.shape[$0] }
        let keptStrides = Broadcast.strides(of: kept, in: input.shape)
        let reducedCount = input.shape.indices.filter { axes.contains($0) }.reduce(1) { $0 * input.shape[$1] }
        var accumulators = [A](repeating: 0, count: Tensor.elementCount(kept))
        var seen = [Bool](repeating: false, count: accumulators.count)
        input.withUnsafeBufferPointer(as: T.self) { x in
            var index = [Int](repeating: 0, count: input.rank)
            for i in 0..<x.count {
                var target = 0
                for axis in 0..<input.rank { target += index[axis] * keptStrides[axis] }
                let value = widen(x[i])
                switch kind {
                case .mean, .sum: accumulators[target] += value
                case .max: accumulators[target] = seen[target] ? Self.larger(accumulators[target], value) : value
                case .min: accumulators[target] = seen[target] ? Self.smaller(accumulators[target], value) : value
                }
                seen[target] = true
                advance(&index, in: input.shape)
            }
        }
        output.withUnsafeMutableBufferPointer(as: T.self) { y in
            for i in 0..<y.count {
                switch kind {
                case .sum: y[i] = narrow(accumulators[i])
                case .mean: y[i] = reducedCount > 0 ? narrow(Self.divided(accumulators[i], by: reducedCount)) : Self.emptyMean(T.self)
                // Over no element at all, the identity of max (min): the lowest (highest) value.
                case .max: y[i] = seen[i] ? narrow(accumulators[i]) : Self.extreme(T.self, lowest: true)
                case .min: y[i] = seen[i] ? narrow(accumulators[i]) : Self.extreme(T.self, lowest: false)
                }
            }
        }
    }

    /// NaN wins a comparison, as in numpy and onnxruntime.
    private static func larger<A: Comparable>(_ a: A, _ b: A) -> A { b != b ? b : (b > a ? b : a) }
    private static func smaller<A: Comparable>(_ a: A, _ b: A) -> A { b != b ? b : (b < a ? b : a) }

    private static func divided<A: Numeric>(_ sum: A, by count: Int) -> A {
        (sum as? Double).map { $0 / Double(count) as! A } ?? sum
    }

    /// The mean of no values: NaN for floats, 0 for integers (a literal 0 cast to T would be an Int).
    private static func emptyMean<T>(_ type: T.Type) -> T {
        switch type {
        case is Float.Type: return Float.nan as! T
        case is Int64.Type: return Int64(0) as! T
        case is Int32.Type: return Int32(0) as! T
        case is Int8.Type: return Int8(0) as! T
        case is UInt8.Type: return UInt8(0) as! T
        default: return false as! T
        }
    }

    private static func extreme<T>(_ type: T.Type, lowest: Bool) -> T {
        switch type {
        case is Float.Type: return (lowest ? -Float.infinity : Float.infinity) as! T
        case is Int64.Type: return (lowest ? Int64.min : Int64.max) as! T
        case is Int32.Type: return (lowest ? Int32.min : Int32.max) as! T
        case is Int8.Type: return (lowest ? Int8.min : Int8.max) as! T
        case is UInt8.Type: return (lowest ? UInt8.min : UInt8.max) as! T
        default: return lowest ? false as! T : true as! T
        }
    }
}
