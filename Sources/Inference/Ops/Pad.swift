// Pad: the input surrounded by constant, edge, reflect or wrap padding; pads (and axes) are inputs from opset 11.

public struct Pad: Operator {
    public enum Mode: String, Sendable { case constant, edge, reflect, wrap }

    public let name = "Pad"
    let mode: Mode
    let attributePads: [Int]?
    let attributeValue: Float

    public init(mode: Mode = .constant, pads: [Int]? = nil, value: Float = 0) {
        self.mode = mode
        attributePads = pads
        attributeValue = value
    }

    /// Begin and end padding per axis (negative values crop).
    func padding(rank: Int, _ inputs: [OperatorInput?]) throws -> (begin: [Int], end: [Int]) {
        guard let pads = try inputs.value(1, name).map({ $0.int64s.map(Int.init) }) ?? attributePads else { throw invalidInput("Pad needs pads") }
        let axes = try inputs.value(3, name).map { try $0.int64s.map { try normalizedAxis(Int($0), rank: rank, op: name) } } ?? Array(0..<rank)
        guard pads.count == 2 * axes.count else { throw invalidInput("Pad: \(pads.count) pads for \(axes.count) axes") }
        guard pads.allSatisfy(ShapeLimits.isPlausibleOffset) else { throw invalidInput("Pad: pads \(pads) are out of range") }
        var begin = [Int](repeating: 0, count: rank), end = begin
        for (i, axis) in axes.enumerated() {
            begin[axis] = pads[i]
            end[axis] = pads[i + axes.count]
        }
        return (begin, end)
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let input = try inputs.required(0, name)
        let (begin, end) = try padding(rank: input.type.shape.count, inputs)
        let shape = input.type.shape.indices.map { input.type.shape[$0] + begin[$0] + end[$0] }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw invalidInput("Pad: pads \(begin)+\(end) crop \(input.type.shape) below zero") }
        if mode != .constant, input.type.shape.contains(0) { throw invalidInput("Pad: \(mode) padding of an empty dimension") }
        return [TensorType(input.type.elementType, shape)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let input = inputs.required(0)
        let (begin, _) = try padding(rank: input.rank, inputs.map { $0.map(OperatorInput.init) })
        let value = inputs.optional(2).map { $0.asDoubles().first ?? 0 } ?? Double(attributeValue)
        let source = input.asDoubles()
        let inputShape = input.shape, outputShape = outputs[0].shape
        let inputStrides = contiguousStrides(inputShape)
        var result = [Double](repeating: value, count: outputs[0].count)
        var index = [Int](repeating: 0, count: outputShape.count)
        for position in 0..<result.count {
            var offset = 0
            var inside = true
            for axis in 0..<outputShape.count {
                var i = index[axis] - begin[axis]
                let n = inputShape[axis]
                if i < 0 || i >= n {
                    switch mode {
                    case .constant: inside = false
                    case .edge: i = Swift.min(Swift.max(i, 0), n - 1)
                    case .reflect:
                        // Mirror without repeating the edge; a period of 2(n-1).
                        let period = Swift.max(1, 2 * (n - 1))
                        i = ((i % period) + period) % period
                        if i >= n { i = period - i }
                    case .wrap: i = ((i % n) + n) % n
                    }
                }
                if !inside { break }
                offset += i * inputStrides[axis]
            }
            if inside { result[position] = source[offset] }
            var axis = outputShape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < outputShape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        outputs[0].assign(doubles: result)
    }
}
