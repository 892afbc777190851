// Pow: elementwise base ^ exponent with broadcasting; the exponent may have another numeric type.
import Glibc

public struct Pow: Operator {
    public let name = "Pow"
    public init() {}

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let base = try inputs.required(0, name), exponent = try inputs.required(1, name)
        guard base.type.elementType != .bool, exponent.type.elementType != .bool else {
            throw invalidInput("Pow does not take bool tensors")
        }
        return [TensorType(base.type.elementType, try Broadcast.shape(base.type.shape, exponent.type.shape, op: name))]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        // Computing in Double covers every base/exponent type pair ONNX allows.
        let base = inputs.required(0), exponent = inputs.required(1)
        let shape = outputs[0].shape
        base.withDoubleReader { baseElement in
            exponent.withDoubleReader { exponentElement in
                outputs[0].withDoubleWriter { store in
                    Broadcast.forEachRow(shape, base.shape, exponent.shape) { o, ia, ib, n, sa, sb in
                        for i in 0..<n { store(o + i, Glibc.pow(baseElement(ia + i * sa), exponentElement(ib + i * sb))) }
                    }
                }
            }
        }
    }
}
