// Sum: the elementwise sum of any number of inputs, broadcast together.

public struct Sum: Operator {
    public let name = "Sum"
    public init() {}

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        [try Broadcast.variadicType(inputs, op: name)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let present = inputs.compactMap { $0 }
        // Accumulate input by input: out = x0, then out = out + x (the output's storage may be reused).
        let zeros = Tensor(outputs[0].elementType, shape: outputs[0].shape)
        outputs[0].copyElements(from: zeros)
        for input in present {
            let accumulated = outputs[0]
            var next = Tensor(accumulated.elementType, shape: accumulated.shape)
            switch accumulated.elementType {
            case .float32: binaryKernel(accumulated, input, &next, Float.self, +)
            case .int64: binaryKernel(accumulated, input, &next, Int64.self, &+)
            case .int32: binaryKernel(accumulated, input, &next, Int32.self, &+)
            case .int8: binaryKernel(accumulated, input, &next, Int8.self, &+)
            case .uint8: binaryKernel(accumulated, input, &next, UInt8.self, &+)
            case .bool: throw invalidInput("Sum does not take bool tensors")
            }
            outputs[0].copyElements(from: next)
        }
    }
}

extension Tensor {
    /// Copies all bytes of `source` (same element count and type) into this tensor's storage.
    mutating func copyElements(from source: Tensor) {
        precondition(source.byteCount == byteCount)
        withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: source.storage.pointer, byteCount: source.byteCount) }
    }
}
