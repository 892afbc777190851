// Gather: slices of the data along `axis`, picked by an index tensor (negative indices count from the end).

public struct Gather: Operator {
    public let name = "Gather"
    let axis: Int

    public init(axis: Int = 0) { self.axis = axis }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let data = try inputs.required(0, name), indices = try inputs.required(1, name)
        guard indices.type.elementType == .int64 || indices.type.elementType == .int32 else {
            throw invalidInput("Gather: indices must be int64 or int32, not \(indices.type.elementType)")
        }
        let resolved = try normalizedAxis(axis, rank: data.type.shape.count, op: name)
        let shape = Array(data.type.shape[..<resolved]) + indices.type.shape + Array(data.type.shape[(resolved + 1)...])
        return [TensorType(data.type.elementType, shape)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let data = inputs.required(0), indices = inputs.required(1).int64s
        let resolved = try normalizedAxis(axis, rank: data.rank, op: name)
        let outer = data.shape[..<resolved].reduce(1, *)
        let extent = data.shape[resolved]
        let size = data.elementType.size
        let inner = data.shape[(resolved + 1)...].reduce(1, *) * size
        let positions = try indices.map { index -> Int in
            let position = index < 0 ? Int(index) + extent : Int(index)
            guard position >= 0, position < extent else { throw invalidInput("Gather: index \(index) is out of range for a dimension of \(extent)") }
            return position
        }
        outputs[0].withUnsafeMutableBytes { destination in
            var target = destination.baseAddress!
            for o in 0..<outer {
                for position in positions {
                    target.copyMemory(from: data.storage.pointer + (o * extent + position) * inner, byteCount: inner)
                    target += inner
                }
            }
        }
    }
}
