// Tile: the input repeated `repeats[i]` times along each axis i (the repeats known at plan time).

public struct Tile: Operator {
    public let name = "Tile"
    public init() {}

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let input = try inputs.required(0, name)
        guard let repeats = try inputs.value(1, name)?.int64s else { throw invalidInput("Tile needs its repeats") }
        guard repeats.count == input.type.shape.count else {
            throw invalidInput("Tile: \(repeats.count) repeats for a tensor of rank \(input.type.shape.count)")
        }
        guard repeats.allSatisfy({ $0 >= 0 && $0 <= Int64(Int32.max) }) else { throw invalidInput("Tile: repeats \(repeats) must be from 0 to 2^31 - 1") }
        return [TensorType(input.type.elementType, zip(input.type.shape, repeats).map { $0 * Int($1) })]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let input = inputs.required(0)
        tile(input, &outputs[0], input.elementType.movedAs)
    }

    private func tile<T: FixedWidthInteger>(_ input: Tensor, _ output: inout Tensor, _ type: T.Type) {
        let strides = contiguousStrides(input.shape)
        let shape = output.shape
        input.withUnsafeBufferPointer(as: T.self) { x in
            output.withUnsafeMutableBufferPointer(as: T.self) { out in
                var index = [Int](repeating: 0, count: shape.count)
                for i in 0..<out.count {
                    var source = 0
                    for axis in 0..<shape.count { source += (index[axis] % input.shape[axis]) * strides[axis] }
                    out[i] = x[source]
                    advance(&index, in: shape)
                }
            }
        }
    }
}
