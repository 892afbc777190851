// Unsqueeze: inserts size-1 dimensions at the given axes (of the output); axes are an input from opset 13.

public struct Unsqueeze: Operator {
    public let name = "Unsqueeze"
    let attributeAxes: [Int]?

    public init(axes: [Int]? = nil) { attributeAxes = axes }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let input = try inputs.required(0, name)
        guard let axes = try inputs.value(1, name).map({ $0.int64s.map(Int.init) }) ?? attributeAxes else {
            throw invalidInput("Unsqueeze needs axes")
        }
        let rank = input.type.shape.count + axes.count
        let inserted = Set(try axes.map { try normalizedAxis($0, rank: rank, op: name) })
        guard inserted.count == axes.count else { throw invalidInput("Unsqueeze: repeated axis in \(axes)") }
        var remaining = input.type.shape.makeIterator()
        let shape = (0..<rank).map { inserted.contains($0) ? 1 : remaining.next()! }
        return [TensorType(input.type.elementType, shape)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        outputs[0].copyElements(from: inputs.required(0))
    }
}
