// Pad: the input surrounded by constant, edge, reflect or wrap padding; pads (and axes) are inputs from opset 11.

public struct Pad: Operator {
    public enum Mode: String, Sendable, CaseIterable { case constant, edge, reflect, wrap }

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
        guard outputs[0].count > 0 else { return }
        let (begin, _) = try padding(rank: input.rank, inputs.map { $0.map(OperatorInput.init) })
        // Elements are copied as they are (bit patterns of their size): no conversion, so int64
        // values past 2^53 stay exact and no wider copy of the tensor is made.
        switch input.elementType.size {
        case 8: pad(input, into: &outputs[0], as: UInt64.self, begin: begin, fill: fillValue(inputs, as: UInt64.self))
        case 4: pad(input, into: &outputs[0], as: UInt32.self, begin: begin, fill: fillValue(inputs, as: UInt32.self))
        default: pad(input, into: &outputs[0], as: UInt8.self, begin: begin, fill: fillValue(inputs, as: UInt8.self))
        }
    }

    /// The constant padding's bits: input 2 (opset 11+, of the data's type), else the attribute
    /// (opset 2, float), converted to the data's type.
    private func fillValue<Bits>(_ inputs: [Tensor?], as bits: Bits.Type) -> Bits {
        let data = inputs.required(0)
        var value = Double(attributeValue)
        if let given = inputs.optional(2), given.count > 0 {
            if given.elementType == data.elementType { return given.withUnsafeBufferPointer(as: Bits.self) { $0[0] } }
            value = given.withDoubleReader { $0(0) }
        }
        var fill = Tensor(data.elementType, shape: [])
        fill.withDoubleWriter { store in store(0, value) }
        return fill.withUnsafeBufferPointer(as: Bits.self) { $0[0] }
    }

    /// The input index output index `i` of an axis of `length` reads (i counted from the input's
    /// start), or nil where constant padding goes.
    private func sourceIndex(_ i: Int, length n: Int) -> Int? {
        if i >= 0 && i < n { return i }
        switch mode {
        case .constant: return nil
        case .edge: return Swift.min(Swift.max(i, 0), n - 1)
        case .reflect:
            // Mirror without repeating the edge; a period of 2(n-1).
            let period = Swift.max(1, 2 * (n - 1))
            let folded = ((i % period) + period) % period
            return folded >= n ? period - folded : folded
        case .wrap: return ((i % n) + n) % n
        }
    }

    /// Fills `output` row by row (rows along the last axis): a row whose outer indices fall in
    /// constant padding is all `fill`; otherwise its inside part is one copy from the input row and
    /// its padding is read through the last axis' index map.
    private func pad<Bits>(_ input: Tensor, into output: inout Tensor, as bits: Bits.Type, begin: [Int], fill: Bits) {
        let inputShape = input.shape, outputShape = output.shape
        guard let last = outputShape.indices.last else {
            output.copyElements(from: input)
            return
        }
        let inputStrides = contiguousStrides(inputShape)
        // Per axis, the input index each output index reads (dimensions are bounded by the output's
        // count, which is not 0 here).
        let sources = outputShape.indices.map { axis in
            (0..<outputShape[axis]).map { sourceIndex($0 - begin[axis], length: inputShape[axis]) }
        }
        let rowLength = outputShape[last], inputRowLength = inputShape[last]
        // The output positions of the row that copy the input row as it is.
        let insideStart = Swift.max(0, begin[last])
        let inside = insideStart..<Swift.max(insideStart, Swift.min(rowLength, begin[last] + inputRowLength))
        // Where the input row an output row reads starts, or nil when the row is constant padding.
        func inputRowStart(_ index: [Int]) -> Int? {
            var start = 0
            for axis in 0..<last {
                guard let s = sources[axis][index[axis]] else { return nil }
                start += s * inputStrides[axis]
            }
            return start
        }
        input.withUnsafeBufferPointer(as: Bits.self) { source in
            output.withUnsafeMutableBufferPointer(as: Bits.self) { target in
                var index = [Int](repeating: 0, count: last)
                var row = 0
                while row < target.count {
                    if let start = inputRowStart(index) {
                        for j in 0..<rowLength where !inside.contains(j) {
                            target[row + j] = sources[last][j].map { source[start + $0] } ?? fill
                        }
                        if !inside.isEmpty {
                            let from = start + inside.lowerBound - begin[last]
                            (target.baseAddress! + row + inside.lowerBound).update(from: source.baseAddress! + from, count: inside.count)
                        }
                    } else {
                        (target.baseAddress! + row).update(repeating: fill, count: rowLength)
                    }
                    row += rowLength
                    advance(&index, in: outputShape)
                }
            }
        }
    }
}
