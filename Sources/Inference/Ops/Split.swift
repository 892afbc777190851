// Split: the input cut along an axis into parts given by `split` (input or attribute) or equal parts.

public struct Split: Operator {
    public let name = "Split"
    let axis: Int
    let attributeSplit: [Int]?
    /// Number of outputs (the node's output count; opset 18 also names it num_outputs).
    let outputCount: Int

    public init(axis: Int = 0, split: [Int]? = nil, outputCount: Int) {
        self.axis = axis
        attributeSplit = split
        self.outputCount = outputCount
    }

    func parts(_ inputs: [OperatorInput?]) throws -> (axis: Int, sizes: [Int]) {
        let input = try inputs.required(0, name)
        guard outputCount >= 1 else { throw invalidInput("Split needs at least one output") }
        let a = try normalizedAxis(axis, rank: input.type.shape.count, op: name)
        let dimension = input.type.shape[a]
        if let sizes = try inputs.value(1, name).map({ $0.int64s.map(Int.init) }) ?? attributeSplit {
            // Each size on its own first: negative ones could sum to the dimension (and huge ones overflow).
            guard sizes.allSatisfy({ $0 >= 0 && $0 <= dimension }), sizes.reduce(0, +) == dimension, sizes.count == outputCount else {
                throw invalidInput("Split: sizes \(sizes) do not cover \(dimension) in \(outputCount) parts")
            }
            return (a, sizes)
        }
        // Equal parts, the last one smaller when the dimension does not divide (opset 18).
        let part = (dimension + outputCount - 1) / outputCount
        return (a, (0..<outputCount).map { Swift.max(0, Swift.min(part, dimension - $0 * part)) })
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let input = try inputs.required(0, name)
        let (a, sizes) = try parts(inputs)
        return sizes.map { size in
            var shape = input.type.shape
            shape[a] = size
            return TensorType(input.type.elementType, shape)
        }
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let input = inputs.required(0)
        let (a, sizes) = try parts(inputs.map { $0.map(OperatorInput.init) })
        let outer = input.shape[..<a].reduce(1, *)
        let inner = input.shape[(a + 1)...].reduce(1, *) * input.elementType.size
        let row = input.shape[a] * inner
        var offset = 0
        for (index, size) in sizes.enumerated() {
            let bytes = size * inner
            outputs[index].withUnsafeMutableBytes { destination in
                for o in 0..<outer where bytes > 0 {
                    (destination.baseAddress! + o * bytes).copyMemory(from: input.storage.pointer + o * row + offset, byteCount: bytes)
                }
            }
            offset += bytes
        }
    }
}
