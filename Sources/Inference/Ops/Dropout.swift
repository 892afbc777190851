// Dropout at inference: the input unchanged, and an all-true mask when the graph asks for one.

public struct Dropout: Operator {
    public let name = "Dropout"
    public init() {}

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let input = try inputs.required(0, name)
        // training_mode (input 2) with a non-zero ratio would make the output random: not supported.
        if let training = try inputs.value(2, name), training.int64s.first ?? 0 != 0,
           let ratio = try inputs.value(1, name), ratio.asDoubles().first ?? 0.5 != 0 {
            throw InferenceError(.unsupported, "Dropout in training mode with a non-zero ratio is random; export the model for inference")
        }
        return [input.type, TensorType(.bool, input.type.shape)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        outputs[0].copyElements(from: inputs.required(0))
        if outputs.count > 1 {
            outputs[1].withUnsafeMutableBufferPointer(as: UInt8.self) { $0.update(repeating: 1) }
        }
    }
}
