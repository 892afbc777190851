// Squeeze: removes size-1 dimensions (the given axes, or all of them); axes are an input from opset 13.

public struct Squeeze: Operator {
    public let name = "Squeeze"
    /// Axes from the attribute (opset < 13); input 1 overrides.
    let attributeAxes: [Int]?

    public init(axes: [Int]? = nil) { attributeAxes = axes }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let input = try inputs.required(0, name)
        let shape = input.type.shape
        let axes = try inputs.value(1, name).map { $0.int64s.map(Int.init) } ?? attributeAxes
        var drop = Set<Int>()
        if let axes {
            for axis in axes {
                let resolved = try normalizedAxis(axis, rank: shape.count, op: name)
                guard shape[resolved] == 1 else { throw invalidInput("Squeeze: axis \(axis) has size \(shape[resolved]), not 1") }
                drop.insert(resolved)
            }
        } else {
            drop = Set(shape.indices.filter { shape[$0] == 1 })
        }
        return [TensorType(input.type.elementType, shape.indices.filter { !drop.contains($0) }.map { shape[$0] })]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        outputs[0].copyElements(from: inputs.required(0))
    }
}
