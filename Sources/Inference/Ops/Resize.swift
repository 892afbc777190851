// Resize: nearest or linear resampling of any axes, by scales or sizes, with ONNX's coordinate
// transformation and rounding modes. Applied one axis at a time (both modes are separable).
import Glibc

public struct Resize: Operator {
    public enum Mode: String, Sendable, CaseIterable { case nearest, linear, cubic }
    public enum CoordinateTransformation: String, Sendable, CaseIterable {
        case halfPixel = "half_pixel", halfPixelSymmetric = "half_pixel_symmetric", pytorchHalfPixel = "pytorch_half_pixel"
        case alignCorners = "align_corners", asymmetric
    }
    public enum NearestRounding: String, Sendable, CaseIterable {
        case roundPreferFloor = "round_prefer_floor", roundPreferCeil = "round_prefer_ceil", floor, ceil
        /// Resize-10's, which its spec leaves open: as onnxruntime rounds it, up along an axis that
        /// shrinks, down along one that grows. (No nearest_mode names it: opset 10 has none.)
        case opset10 = "(opset 10)"
    }
    public enum AspectRatioPolicy: String, Sendable, CaseIterable { case stretch, notLarger = "not_larger", notSmaller = "not_smaller" }

    public let name = "Resize"
    let mode: Mode
    let transformation: CoordinateTransformation
    let rounding: NearestRounding
    let axes: [Int]?
    let policy: AspectRatioPolicy
    /// Opset 10 takes scales as input 1 (no roi).
    let scalesInputIndex: Int
    /// Cubic mode: the "a" of the cubic convolution kernel, and whether taps outside the input are
    /// dropped (weights renormalised) rather than clamped to the edge.
    let cubicCoefficient: Double
    let excludeOutside: Bool

    public init(mode: Mode = .nearest, transformation: CoordinateTransformation = .halfPixel, rounding: NearestRounding = .roundPreferFloor,
                axes: [Int]? = nil, policy: AspectRatioPolicy = .stretch, scalesInputIndex: Int = 2,
                cubicCoefficient: Double = -0.75, excludeOutside: Bool = false) {
        self.cubicCoefficient = cubicCoefficient
        self.excludeOutside = excludeOutside
        self.mode = mode
        self.transformation = transformation
        self.rounding = rounding
        self.axes = axes
        self.policy = policy
        self.scalesInputIndex = scalesInputIndex
    }

    /// An output dimension computed from a scale, which a broken model may make any size.
    private func checkedDimension(_ value: Double, axis: Int) throws -> Int {
        guard let dimension = ShapeLimits.dimension(value) else {
            throw invalidInput("Resize: the scale makes axis \(axis) \(value) long")
        }
        return dimension
    }

    /// Output shape and the scale per axis (output / input, or the common scale under an aspect policy).
    func plan(_ inputs: [OperatorInput?]) throws -> (shape: [Int], scales: [Double]) {
        let input = try inputs.required(0, name)
        let shape = input.type.shape, rank = shape.count
        let axes = try (self.axes ?? Array(0..<rank)).map { try normalizedAxis($0, rank: rank, op: name) }
        var output = shape, scales = [Double](repeating: 1, count: rank)
        let scalesValue = try inputs.value(scalesInputIndex, name).flatMap { $0.count > 0 ? $0 : nil }
        let sizesValue = scalesInputIndex == 2 ? try inputs.value(3, name).flatMap { $0.count > 0 ? $0 : nil } : nil
        if let sizesValue {
            let sizes = sizesValue.int64s.map(Int.init)
            guard sizes.count == axes.count else { throw invalidInput("Resize: \(sizes.count) sizes for \(axes.count) axes") }
            if policy == .stretch {
                for (i, axis) in axes.enumerated() { output[axis] = sizes[i]; scales[axis] = Double(sizes[i]) / Double(shape[axis]) }
            } else {
                let ratios = axes.enumerated().map { Double(sizes[$0.offset]) / Double(shape[$0.element]) }
                let scale = policy == .notLarger ? ratios.min()! : ratios.max()!
                for axis in axes {
                    scales[axis] = scale
                    output[axis] = try checkedDimension((scale * Double(shape[axis]) + 0.5).rounded(.down), axis: axis)
                }
            }
        } else if let scalesValue {
            let values = scalesValue.asDoubles()
            guard values.count == axes.count else { throw invalidInput("Resize: \(values.count) scales for \(axes.count) axes") }
            for (i, axis) in axes.enumerated() {
                guard values[i] > 0 else { throw invalidInput("Resize: scale \(values[i]) must be positive") }
                scales[axis] = values[i]
                output[axis] = try checkedDimension((Double(shape[axis]) * values[i]).rounded(.down), axis: axis)
            }
        } else {
            throw invalidInput("Resize needs scales or sizes")
        }
        // An empty axis has nothing to sample from (its scale would be infinite, its coordinates NaN).
        if let axis = output.indices.first(where: { output[$0] > 0 && shape[$0] == 0 }) {
            throw invalidInput("Resize: axis \(axis) is empty and cannot be resized to \(output[axis])")
        }
        return (output, scales)
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let input = try inputs.required(0, name)
        guard input.type.elementType == .float32 else { throw invalidInput("Resize takes float32") }
        return [TensorType(.float32, try plan(inputs).shape)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let (shape, scales) = try plan(inputs.map { $0.map(OperatorInput.init) })
        var current = inputs.required(0).floats
        var currentShape = inputs.required(0).shape
        // Axes that shrink go first: each intermediate then holds no more than the input or the
        // output does. (In axis order, [1, 65536] scaled by [2^24, 2^-16] made a [2^24, 65536]
        // intermediate for a [2^24, 1] output.) Axes are independent, so the order keeps the result.
        let axes = (0..<shape.count).filter { shape[$0] != currentShape[$0] || scales[$0] != 1 }
        for axis in axes.filter({ shape[$0] < currentShape[$0] }) + axes.filter({ shape[$0] >= currentShape[$0] }) {
            current = resizeAxis(current, shape: currentShape, axis: axis, length: shape[axis], scale: scales[axis])
            currentShape[axis] = shape[axis]
        }
        outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { for i in 0..<$0.count { $0[i] = current[i] } }
    }

    /// Where output position `x` samples the input, per the coordinate transformation.
    func sourceCoordinate(_ x: Int, inputLength: Int, outputLength: Int, scale: Double) -> Double {
        let x = Double(x)
        // ONNX uses the unrounded resized length (input x scale) where a formula needs it.
        let resized = Double(inputLength) * scale
        switch transformation {
        case .halfPixel: return (x + 0.5) / scale - 0.5
        case .halfPixelSymmetric:
            let adjustment = Double(outputLength) / resized
            let offset = Double(inputLength) / 2 * (1 - adjustment)
            return offset + (x + 0.5) / scale - 0.5
        case .pytorchHalfPixel: return outputLength > 1 ? (x + 0.5) / scale - 0.5 : 0
        case .alignCorners: return resized == 1 ? 0 : x * Double(inputLength - 1) / (resized - 1)
        case .asymmetric: return x / scale
        }
    }

    /// The input index nearest to `value` by the rounding mode; `shrinking`: the axis gets shorter.
    func nearest(_ value: Double, shrinking: Bool) -> Int {
        switch rounding {
        case .opset10: return Int(value.rounded(shrinking ? .up : .down))
        case .floor: return Int(value.rounded(.down))
        case .ceil: return Int(value.rounded(.up))
        case .roundPreferFloor: return value - value.rounded(.down) == 0.5 ? Int(value.rounded(.down)) : Int(value.rounded())
        case .roundPreferCeil: return value - value.rounded(.down) == 0.5 ? Int(value.rounded(.up)) : Int(value.rounded())
        }
    }

    private func resizeAxis(_ values: [Float], shape: [Int], axis: Int, length: Int, scale: Double) -> [Float] {
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *), inputLength = shape[axis]
        var result = [Float](repeating: 0, count: outer * length * inner)
        // Per output position: source indices and their weights.
        let taps: [[(Int, Double)]] = (0..<length).map { x in
            let source = sourceCoordinate(x, inputLength: inputLength, outputLength: length, scale: scale)
            switch mode {
            case .nearest:
                return [(Swift.min(Swift.max(nearest(source, shrinking: scale < 1), 0), inputLength - 1), 1)]
            case .linear:
                let clamped = Swift.min(Swift.max(source, 0), Double(inputLength - 1))
                let low = Int(clamped.rounded(.down)), high = Swift.min(low + 1, inputLength - 1)
                let weight = clamped - Double(low)
                return [(low, 1 - weight), (high, weight)]
            case .cubic:
                return cubicTaps(source, inputLength: inputLength)
            }
        }
        for o in 0..<outer {
            for (x, weights) in taps.enumerated() {
                let target = (o * length + x) * inner
                for i in 0..<inner {
                    var sum: Double = 0
                    for (index, weight) in weights { sum += Double(values[(o * inputLength + index) * inner + i]) * weight }
                    result[target + i] = Float(sum)
                }
            }
        }
        return result
    }

    /// The four taps of cubic convolution around `source` (Keys' kernel with coefficient a).
    private func cubicTaps(_ source: Double, inputLength: Int) -> [(Int, Double)] {
        let a = cubicCoefficient
        let base = source.rounded(.down), t = source - base
        func kernel(_ d: Double) -> Double {
            let x = abs(d)
            if x <= 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
            return 0
        }
        var taps = (-1...2).map { offset -> (Int, Double) in (Int(base) + offset, kernel(Double(offset) - t)) }
        if excludeOutside {
            taps = taps.map { ($0.0, $0.0 < 0 || $0.0 >= inputLength ? 0 : $0.1) }
            let total = taps.reduce(0) { $0 + $1.1 }
            taps = taps.map { ($0.0, total != 0 ? $0.1 / total : 0) }
        }
        // Taps past the edges read the edge value.
        return taps.map { (Swift.min(Swift.max($0.0, 0), inputLength - 1), $0.1) }
    }
}
