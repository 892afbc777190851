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
        outputs[0].copyElements(from: x)
        switch x.elementType {
        case .float32:
            let low = inputs.optional(1).map { $0.floats[0] } ?? attributeMin
            let high = inputs.optional(2).map { $0.floats[0] } ?? attributeMax
            let activation = Activation.clip(min: low ?? -.infinity, max: high ?? .infinity)
            outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { activation.apply(to: $0, context) }
        // Integers are clipped in their own type: through Double, int64 values past 2^53 would change.
        case .int64: clipIntegers(&outputs[0], as: Int64.self, inputs)
        case .int32: clipIntegers(&outputs[0], as: Int32.self, inputs)
        case .int8: clipIntegers(&outputs[0], as: Int8.self, inputs)
        case .uint8: clipIntegers(&outputs[0], as: UInt8.self, inputs)
        case .bool: break
        }
    }

    private func clipIntegers<Integer: FixedWidthInteger>(_ values: inout Tensor, as type: Integer.Type, _ inputs: [Tensor?]) {
        func bound(_ index: Int, _ attribute: Float?, _ unbounded: Integer) -> Integer {
            if let given = inputs.optional(index) { return given.withUnsafeBufferPointer(as: Integer.self) { $0[0] } }
            return attribute.map { Integer(saturating: Double($0)) } ?? unbounded
        }
        let low = bound(1, attributeMin, .min), high = bound(2, attributeMax, .max)
        values.withUnsafeMutableBufferPointer(as: Integer.self) { elements in
            for i in elements.indices { elements[i] = Swift.min(high, Swift.max(low, elements[i])) }
        }
    }
}
