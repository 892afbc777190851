// Clip: values limited to [min, max]; the bounds are optional inputs (opset 11+) or attributes (older).

public struct Clip: Operator {
    public let name = "Clip"
    /// Bounds from attributes (opset 6); inputs 1 and 2 override them when present.
    let attributeMin: Float?
    let attributeMax: Float?

    public init(min: Float? = nil, max: Float? = nil) {
        attributeMin = min
        attributeMax = max
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let input = try inputs.required(0, name)
        guard input.type.elementType != .bool else { throw invalidInput("Clip does not take bool tensors") }
        // ONNX: min and max are scalars of the input's type. Read as one element, anything else
        // would be read past (an empty bound) or misread (an int64 bound of a float input).
        for (index, bound) in [(1, "min"), (2, "max")] where index < inputs.count {
            guard let given = inputs[index] else { continue }
            guard given.type.elementType == input.type.elementType, ShapeLimits.elementCount(given.type.shape) == 1 else {
                throw invalidInput("Clip: \(bound) must be one \(input.type.elementType) value like the input, got \(given.type)")
            }
        }
        return [input.type]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let x = inputs.required(0)
        let low = inputs.optional(1).map { $0.asDoubles()[0] } ?? attributeMin.map(Double.init)
        let high = inputs.optional(2).map { $0.asDoubles()[0] } ?? attributeMax.map(Double.init)
        outputs[0].copyElements(from: x)
        if x.elementType == .float32 {
            let activation = Activation.clip(min: low.map(Float.init) ?? -.infinity, max: high.map(Float.init) ?? .infinity)
            outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { activation.apply(to: $0, context) }
        } else {
            let values = x.asDoubles().map { Swift.min(high ?? .infinity, Swift.max(low ?? -.infinity, $0)) }
            outputs[0].assign(doubles: values)
        }
    }
}
