// Constant: a tensor fixed at load time (from value, value_float(s) or value_int(s)).

public struct Constant: Operator {
    public let name = "Constant"
    public let value: Tensor

    public init(value: Tensor) { self.value = value }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        [TensorType(value.elementType, value.shape)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        outputs[0].copyElements(from: value)
    }
}
