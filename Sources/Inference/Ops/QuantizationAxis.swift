// How a quantized tensor's scale and zero point spread over it: one pair for the whole tensor,
// one per slice along an axis (a convolution's weights, per output channel), or one per block of
// `blockSize` elements along that axis (opset 21).

/// The layout QuantizeLinear and DequantizeLinear share, checked against the tensor they convert.
struct QuantizationAxis: Sendable, Equatable {
    let axis: Int
    /// 0: per tensor or per axis, as the scale's shape says; above 0: blocks along `axis`.
    let blockSize: Int
    /// Whether scales per slice are allowed: from opset 13 (before it, `axis` does not exist).
    var perAxis = true

    /// One run of elements that reads its scales from one place: `count` elements from `start`,
    /// element k using scale `scaleStart + k * scaleStride` (stride 0: one scale for the run).
    struct Run {
        let start: Int
        let count: Int
        let scaleStart: Int
        let scaleStride: Int
    }

    /// Checks the scale (and zero point) against the tensor of `shape`; `op` names it in errors.
    func check(_ shape: [Int], scale: TensorType, zeroPoint: TensorType?, op: String) throws {
        let scales = ShapeLimits.elementCount(scale.shape) ?? 0
        // One value each, a scalar and a [1] are the same (onnxruntime's quantizer writes both).
        if let zeroPoint, zeroPoint.shape != scale.shape, !(scales == 1 && ShapeLimits.elementCount(zeroPoint.shape) == 1) {
            throw invalidInput("\(op): the zero point's shape \(zeroPoint.shape) is not the scale's \(scale.shape)")
        }
        if blockSize > 0 {
            let a = try normalizedAxis(axis, rank: shape.count, op: op)
            var expected = shape
            expected[a] = (shape[a] + blockSize - 1) / blockSize
            guard scale.shape == expected else {
                throw invalidInput("\(op): blocks of \(blockSize) along axis \(axis) of \(shape) need a scale of shape \(expected), not \(scale.shape)")
            }
        } else if scales != 1 && !perAxis {
            throw invalidInput("\(op): a scale per slice (shape \(scale.shape)) needs opset 13; before it the scale is one value")
        } else if scale.shape.count > 1 {
            throw invalidInput("\(op): the scale must be a scalar or one value per slice along axis \(axis), not of shape \(scale.shape)")
        } else if scales != 1 {
            let a = try normalizedAxis(axis, rank: shape.count, op: op)
            guard scales == shape[a] else {
                throw invalidInput("\(op): \(scales) scales for the \(shape[a]) slices along axis \(axis) of \(shape)")
            }
        }
    }

    /// Calls `body` with each run covering a tensor of `shape` whose scale has `scaleCount` values,
    /// the runs shared out among the context's threads in pieces of about 32K elements.
    func forEachRun(_ shape: [Int], scaleCount: Int, _ context: KernelContext, _ body: (Run) -> Void) {
        let all = runs(shape, scaleCount: scaleCount)
        let perRun = Swift.max(1, all.first?.count ?? 1)
        context.parallelFor(all.count, minimumChunk: Swift.max(1, Self.piece / perRun)) { range in
            for index in range { body(all[index]) }
        }
    }

    private static let piece = 32768

    /// The runs that cover a tensor of `shape` whose scale has `scaleCount` values, in order; one
    /// scale for the whole tensor gives pieces of `piece` elements, so threads can share it. The
    /// axis innermost (a MatMul's weights per output column) gives one run per row, stepping
    /// through the scales, not one per element.
    func runs(_ shape: [Int], scaleCount: Int) -> [Run] {
        let count = Tensor.elementCount(shape)
        guard scaleCount != 1, !shape.isEmpty else {
            return stride(from: 0, to: count, by: Self.piece).map { Run(start: $0, count: Swift.min(Self.piece, count - $0), scaleStart: 0, scaleStride: 0) }
        }
        let a = axis < 0 ? axis + shape.count : axis
        let outer = shape[..<a].reduce(1, *), length = shape[a], inner = shape[(a + 1)...].reduce(1, *)
        let blocks = blockSize > 0 ? (length + blockSize - 1) / blockSize : length
        var runs: [Run] = []
        for o in 0..<outer {
            if inner == 1 && blockSize == 0 {
                runs.append(Run(start: o * length, count: length, scaleStart: 0, scaleStride: 1))
            } else if inner == 1 {
                for b in 0..<blocks {
                    let first = b * blockSize
                    runs.append(Run(start: o * length + first, count: Swift.min(blockSize, length - first), scaleStart: o * blocks + b, scaleStride: 0))
                }
            } else {
                for i in 0..<length {
                    let start = (o * length + i) * inner
                    if blockSize > 0 {
                        runs.append(Run(start: start, count: inner, scaleStart: (o * blocks + i / blockSize) * inner, scaleStride: 1))
                    } else {
                        runs.append(Run(start: start, count: inner, scaleStart: i, scaleStride: 0))
                    }
                }
            }
        }
        return runs
    }

    /// The zero points as Floats, one per scale: 0 each when the model gives none.
    static func zeroPoints(_ zeroPoint: Tensor?, count: Int) -> [Float] {
        zeroPoint.map { $0.int64s.map(Float.init) } ?? [Float](repeating: 0, count: count)
    }
}
