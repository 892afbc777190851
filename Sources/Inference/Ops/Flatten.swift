// Flatten: the input as a matrix, dimensions before `axis` in rows and the rest in columns.

public struct Flatten: Operator {
    public let name = "Flatten"
    let axis: Int

    public init(axis: Int = 1) { self.axis = axis }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let input = try inputs.required(0, name)
        let rank = input.type.shape.count
        let split = axis < 0 ? axis + rank : axis
        guard split >= 0, split <= rank else { throw InferenceError(.invalidAttribute, "Flatten: axis \(axis) is out of range for rank \(rank)") }
        let rows = input.type.shape[..<split].reduce(1, *), columns = input.type.shape[split...].reduce(1, *)
        return [TensorType(input.type.elementType, [rows, columns])]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        outputs[0].copyElements(from: inputs.required(0))
    }
}
