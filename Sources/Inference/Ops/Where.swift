// Where: x where the condition holds, y elsewhere; the three inputs broadcast together.

public struct Where: Operator {
    public let name = "Where"
    public init() {}

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let condition = try inputs.required(0, name), x = try inputs.required(1, name), y = try inputs.required(2, name)
        guard condition.type.elementType == .bool else { throw invalidInput("Where: the condition must be bool, not \(condition.type.elementType)") }
        guard x.type.elementType == y.type.elementType else {
            throw invalidInput("Where: element types \(x.type.elementType) and \(y.type.elementType) differ")
        }
        let shape = try Broadcast.shape(try Broadcast.shape(condition.type.shape, x.type.shape, op: name), y.type.shape, op: name)
        return [TensorType(x.type.elementType, shape)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        select(inputs, &outputs[0], outputs[0].elementType.movedAs)
    }

    private func select<T: FixedWidthInteger>(_ inputs: [Tensor?], _ output: inout Tensor, _ type: T.Type) {
        let condition = inputs.required(0), x = inputs.required(1), y = inputs.required(2)
        let shape = output.shape
        let (conditionStrides, xStrides, yStrides) = (Broadcast.strides(of: condition.shape, in: shape),
                                                      Broadcast.strides(of: x.shape, in: shape), Broadcast.strides(of: y.shape, in: shape))
        condition.withUnsafeBufferPointer(as: UInt8.self) { c in
            x.withUnsafeBufferPointer(as: T.self) { a in
                y.withUnsafeBufferPointer(as: T.self) { b in
                    output.withUnsafeMutableBufferPointer(as: T.self) { out in
                        var index = [Int](repeating: 0, count: shape.count)
                        for i in 0..<out.count {
                            var (ci, xi, yi) = (0, 0, 0)
                            for axis in 0..<shape.count {
                                ci += index[axis] * conditionStrides[axis]
                                xi += index[axis] * xStrides[axis]
                                yi += index[axis] * yStrides[axis]
                            }
                            out[i] = c[ci] != 0 ? a[xi] : b[yi]
                            advance(&index, in: shape)
                        }
                    }
                }
            }
        }
    }
}
