// Shape: the input's dimensions as an int64 vector, optionally sliced by start/end (opset 15).

public struct Shape: Operator {
    public let name = "Shape"
    let start: Int
    let end: Int?

    public init(start: Int = 0, end: Int? = nil) {
        self.start = start
        self.end = end
    }

    func dimensions(_ shape: [Int]) -> [Int] {
        let rank = shape.count
        func clamp(_ value: Int) -> Int { Swift.min(rank, Swift.max(0, value < 0 ? value + rank : value)) }
        let from = clamp(start), to = clamp(end ?? rank)
        return from < to ? Array(shape[from..<to]) : []
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        [TensorType(.int64, [dimensions(try inputs.required(0, name).type.shape).count])]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let values = dimensions(inputs.required(0).shape)
        outputs[0].withUnsafeMutableBufferPointer(as: Int64.self) { for (i, v) in values.enumerated() { $0[i] = Int64(v) } }
    }
}
