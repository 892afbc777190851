// Expand: input 0 broadcast to the shape input 1 gives (numpy's rules, both ways: a 1 in the
// shape keeps the input's dimension). YOLO exports build their anchor grids with it.

public struct Expand: Operator {
    public let name = "Expand"
    public init() {}

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let input = try inputs.required(0, name)
        guard let shape = try inputs.value(1, name) else { throw invalidInput("Expand needs a shape") }
        guard shape.elementType == .int64, shape.rank == 1 else { throw invalidInput("Expand: the shape must be a 1-D int64 tensor") }
        let dimensions = shape.int64s.map(Int.init)
        guard dimensions.allSatisfy({ $0 >= 0 }) else { throw invalidInput("Expand: negative dimension in \(dimensions)") }
        return [TensorType(input.type.elementType, try Broadcast.shape(input.type.shape, dimensions, op: name))]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let input = inputs.required(0)
        broadcast(input, &outputs[0], input.elementType.movedAs)
    }

    /// Copies each run along the output's last axis from the input (one value repeated where the
    /// input is broadcast along it).
    private func broadcast<T: FixedWidthInteger>(_ input: Tensor, _ output: inout Tensor, _ type: T.Type) {
        let (outputShape, inputShape, _) = Broadcast.coalesced(output.shape, input.shape, [])
        input.withUnsafeBufferPointer(as: T.self) { x in
            output.withUnsafeMutableBufferPointer(as: T.self) { out in
                Broadcast.forEachRow(outputShape, inputShape, []) { o, i, _, n, step, _ in
                    if step == 0 {
                        let value = x[i]
                        for k in 0..<n { out[o + k] = value }
                    } else {
                        for k in 0..<n { out[o + k] = x[i + k * step] }
                    }
                }
            }
        }
    }
}
