// ConstantOfShape: a tensor of the shape given by input 0, every element the attribute's value.

public struct ConstantOfShape: Operator {
    public let name = "ConstantOfShape"
    /// A one-element tensor; ONNX's default is float32 zero.
    let fill: Tensor

    public init(value: Tensor? = nil) { fill = value ?? Tensor(float32: [0], shape: [1]) }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        // Each element is a copy of the value's bytes: a value of no element would be read past its end.
        guard fill.count == 1 else { throw InferenceError(.invalidAttribute, "ConstantOfShape: value must hold one element, not \(fill.count)") }
        guard let shape = try inputs.value(0, name) else { throw invalidInput("ConstantOfShape needs a shape") }
        let dimensions = shape.int64s.map(Int.init)
        guard dimensions.allSatisfy({ $0 >= 0 }) else { throw invalidInput("ConstantOfShape: negative dimension in \(dimensions)") }
        return [TensorType(fill.elementType, dimensions)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let size = fill.elementType.size
        let count = outputs[0].count
        outputs[0].withUnsafeMutableBytes { bytes in
            for i in 0..<count { bytes.baseAddress!.advanced(by: i * size).copyMemory(from: fill.storage.pointer, byteCount: size) }
        }
    }
}
