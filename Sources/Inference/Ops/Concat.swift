// Concat: inputs joined along one axis.

public struct Concat: Operator {
    public let name = "Concat"
    let axis: Int

    public init(axis: Int) { self.axis = axis }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let present = inputs.compactMap { $0 }
        guard let first = present.first else { throw invalidInput("Concat needs inputs") }
        let rank = first.type.shape.count
        let resolved = try normalizedAxis(axis, rank: rank, op: name)
        var shape = first.type.shape
        shape[resolved] = 0
        for input in present {
            guard input.type.elementType == first.type.elementType, input.type.shape.count == rank else {
                throw invalidInput("Concat: inputs differ in type or rank (\(first.type) vs \(input.type))")
            }
            for d in 0..<rank where d != resolved && input.type.shape[d] != first.type.shape[d] {
                throw invalidInput("Concat: \(input.type.shape) and \(first.type.shape) differ outside axis \(axis)")
            }
            shape[resolved] += input.type.shape[resolved]
        }
        return [TensorType(first.type.elementType, shape)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let present = inputs.compactMap { $0 }
        let shape = outputs[0].shape
        let resolved = try normalizedAxis(axis, rank: shape.count, op: name)
        let outer = shape[..<resolved].reduce(1, *)
        let size = outputs[0].elementType.size
        let outputRow = shape[resolved...].reduce(1, *) * size
        var column = 0
        outputs[0].withUnsafeMutableBytes { destination in
            for input in present {
                let row = input.shape[resolved...].reduce(1, *) * size
                for o in 0..<outer where row > 0 {
                    (destination.baseAddress! + o * outputRow + column).copyMemory(from: input.storage.pointer + o * row, byteCount: row)
                }
                column += row
            }
        }
    }
}
