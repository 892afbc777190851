// Identity: the input unchanged (the optimizer removes it; this kernel serves unoptimised graphs).

public struct Identity: Operator {
    public let name = "Identity"
    public init() {}

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] { [try inputs.required(0, name).type] }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        outputs[0].copyElements(from: inputs.required(0))
    }
}
