// ArgMax and ArgMin: the index (int64) of the largest (smallest) value along one axis; the first
// such index, or the last with select_last_index. Segmentation and classification heads end so.

public struct ArgExtremum: Operator {
    public var name: String { kind == .max ? "ArgMax" : "ArgMin" }
    let kind: Extremum.Kind
    let axis: Int
    let keepDims: Bool
    let selectLastIndex: Bool

    public init(_ kind: Extremum.Kind, axis: Int = 0, keepDims: Bool = true, selectLastIndex: Bool = false) {
        self.kind = kind
        self.axis = axis
        self.keepDims = keepDims
        self.selectLastIndex = selectLastIndex
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let input = try inputs.required(0, name)
        guard input.type.elementType != .bool else { throw invalidInput("\(name) does not take bool tensors") }
        let shape = input.type.shape
        let a = try normalizedAxis(axis, rank: shape.count, op: name)
        guard shape[a] > 0 else { throw invalidInput("\(name): axis \(axis) is empty, so there is no index to give") }
        var output = shape
        if keepDims { output[a] = 1 } else { output.remove(at: a) }
        return [TensorType(.int64, output)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let input = inputs.required(0)
        switch input.elementType {
        case .float32: search(input, &outputs[0], Float.self)
        case .int64: search(input, &outputs[0], Int64.self)
        case .int32: search(input, &outputs[0], Int32.self)
        case .int8: search(input, &outputs[0], Int8.self)
        case .uint8: search(input, &outputs[0], UInt8.self)
        case .bool: throw invalidInput("\(name) does not take bool tensors")
        }
    }

    private func search<T: Comparable>(_ input: Tensor, _ output: inout Tensor, _ type: T.Type) {
        let a = (axis + input.rank) % input.rank
        let extent = input.shape[a]
        let inner = input.shape[(a + 1)...].reduce(1, *)
        let lanes = output.count
        input.withUnsafeBufferPointer(as: T.self) { x in
            output.withUnsafeMutableBufferPointer(as: Int64.self) { y in
                for lane in 0..<lanes {
                    let base = (lane / inner) * extent * inner + lane % inner
                    var best = 0
                    for k in 1..<extent {
                        let value = x[base + k * inner], current = x[base + best * inner]
                        let better = kind == .max ? value > current : value < current
                        if better || (selectLastIndex && value == current) { best = k }
                    }
                    y[lane] = Int64(best)
                }
            }
        }
    }
}
