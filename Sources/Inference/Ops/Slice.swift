// Slice: a strided window of the input; starts, ends, axes and steps are inputs (opset 10+) or attributes.

public struct Slice: Operator {
    public let name = "Slice"
    /// Attributes of opset 1-9 (starts, ends, axes); inputs override from opset 10.
    let attributeStarts: [Int]?, attributeEnds: [Int]?, attributeAxes: [Int]?

    public init(starts: [Int]? = nil, ends: [Int]? = nil, axes: [Int]? = nil) {
        attributeStarts = starts
        attributeEnds = ends
        attributeAxes = axes
    }

    /// Per input axis: first index and step, and the output extent.
    struct Window { var start: [Int]; var step: [Int]; var extent: [Int] }

    func window(shape: [Int], _ inputs: [OperatorInput?]) throws -> Window {
        func list(_ index: Int, _ fallback: [Int]?) throws -> [Int]? { try inputs.value(index, name).map { $0.int64s.map(Int.init) } ?? fallback }
        guard let starts = try list(1, attributeStarts), let ends = try list(2, attributeEnds) else { throw invalidInput("Slice needs starts and ends") }
        let axes = try list(3, attributeAxes) ?? Array(0..<starts.count)
        let steps = try list(4, nil) ?? [Int](repeating: 1, count: starts.count)
        guard starts.count == ends.count, axes.count == starts.count, steps.count == starts.count else {
            throw invalidInput("Slice: starts, ends, axes and steps differ in length")
        }
        var window = Window(start: [Int](repeating: 0, count: shape.count), step: [Int](repeating: 1, count: shape.count), extent: shape)
        for (i, axis) in axes.enumerated() {
            let a = try normalizedAxis(axis, rank: shape.count, op: name)
            let dimension = shape[a], step = steps[i]
            guard step != 0 else { throw invalidInput("Slice: step 0") }
            var start = starts[i] < 0 ? starts[i] + dimension : starts[i]
            var end = ends[i] < 0 ? ends[i] + dimension : ends[i]
            // Clamping follows the spec: [0, dim] for positive steps, [-1, dim-1] for negative ones.
            if step > 0 {
                start = Swift.min(Swift.max(start, 0), dimension)
                end = Swift.min(Swift.max(end, 0), dimension)
            } else {
                start = Swift.min(Swift.max(start, -1), dimension - 1)
                end = Swift.min(Swift.max(end, -1), dimension - 1)
            }
            // Counted without adding the step to the span: a step near Int64's bounds would overflow.
            let span = step > 0 ? end - start : start - end
            let extent = span <= 0 ? 0 : Int((span - 1).magnitude / step.magnitude) + 1
            window.start[a] = start
            window.step[a] = step
            window.extent[a] = extent
        }
        return window
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let input = try inputs.required(0, name)
        return [TensorType(input.type.elementType, try window(shape: input.type.shape, inputs).extent)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let input = inputs.required(0)
        let window = try window(shape: input.shape, inputs.map { $0.map(OperatorInput.init) })
        let strides = contiguousStrides(input.shape)
        let start = zip(window.start, strides).reduce(0) { $0 + $1.0 * $1.1 }
        let steps = zip(window.step, strides).map { $0 * $1 }
        gatherStrided(from: input, into: &outputs[0], steps: steps, start: start)
    }
}
