// Cast: elements converted to another element type (float→int truncates toward zero, saturating).

public struct Cast: Operator {
    public let name = "Cast"
    let to: ElementType

    public init(to: ElementType) { self.to = to }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        [TensorType(to, try inputs.required(0, name).type.shape)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let input = inputs.required(0)
        if input.elementType == to { outputs[0].copyElements(from: input); return }
        input.withDoubleReader { element in
            outputs[0].withDoubleWriter { store in for i in 0..<input.count { store(i, element(i)) } }
        }
    }
}
