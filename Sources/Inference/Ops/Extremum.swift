// Max and Min: the elementwise largest (smallest) of any number of inputs, broadcast together.

public struct Extremum: Operator {
    public enum Kind: Sendable { case max, min }

    public var name: String { kind == .max ? "Max" : "Min" }
    let kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let type = try Broadcast.variadicType(inputs, op: name)
        guard type.elementType != .bool else { throw invalidInput("\(name) does not take bool tensors") }
        return [type]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let present = inputs.compactMap { $0 }
        // The first input broadcast to the output's shape, then each other one folded in.
        var broadcast = [Tensor(outputs[0].elementType, shape: outputs[0].shape)]
        try Expand().execute([present[0], Tensor(int64: outputs[0].shape.map(Int64.init), shape: [outputs[0].rank])], &broadcast, context)
        var accumulated = broadcast[0]
        for input in present.dropFirst() {
            var next = Tensor(outputs[0].elementType, shape: outputs[0].shape)
            switch outputs[0].elementType {
            case .float32: binaryKernel(accumulated, input, &next, Float.self, kind == .max ? Self.larger : Self.smaller)
            case .int64: binaryKernel(accumulated, input, &next, Int64.self, kind == .max ? Swift.max : Swift.min)
            case .int32: binaryKernel(accumulated, input, &next, Int32.self, kind == .max ? Swift.max : Swift.min)
            case .int8: binaryKernel(accumulated, input, &next, Int8.self, kind == .max ? Swift.max : Swift.min)
            case .uint8: binaryKernel(accumulated, input, &next, UInt8.self, kind == .max ? Swift.max : Swift.min)
            case .bool: throw invalidInput("\(name) does not take bool tensors")
            }
            accumulated = next
        }
        outputs[0].copyElements(from: accumulated)
    }

    /// NaN wins, as in onnxruntime.
    private static func larger(_ a: Float, _ b: Float) -> Float { a.isNaN || b.isNaN ? .nan : Swift.max(a, b) }
    private static func smaller(_ a: Float, _ b: Float) -> Float { a.isNaN || b.isNaN ? .nan : Swift.min(a, b) }
}
