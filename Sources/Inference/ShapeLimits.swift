// Bounds on the numbers shapes are made of. They come from a model file, which a broken or hostile
// one may set to any 64-bit value: shapes are checked against these before any arithmetic could
// overflow and before memory is asked for a tensor, so such a model is an error, not a crash.

public enum ShapeLimits {
    /// Most elements one tensor may hold: 2^31 - 1 (8 GiB of float32), far enough inside Int's range
    /// that no byte count or offset computed from it overflows. It is also the most BLAS takes: its
    /// sizes and strides are 32-bit, and every one we pass is a product of one tensor's dimensions
    /// (with 2^32 a 10 GB function could pass a dimension of 2^31, which became negative there).
    public static let maximumElements = Int(Int32.max)

    /// Largest kernel size, stride, dilation or pad of a window (convolution, pooling): 2^24, so that
    /// products of two of them stay far inside Int's range.
    public static let maximumWindowValue = 1 << 24

    /// The number of elements of `shape`; nil when a dimension is negative or the count (or any
    /// single dimension) passes `maximumElements`.
    public static func elementCount(_ shape: [Int]) -> Int? {
        guard shape.allSatisfy({ $0 >= 0 && $0 <= maximumElements }) else { return nil }
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= maximumElements else { return shape.contains(0) ? 0 : nil }
            count = product
        }
        return count
    }

    /// A dimension computed in floating point (a size times a scale) as an Int; nil when it is not
    /// finite, negative or over `maximumElements`.
    public static func dimension(_ value: Double) -> Int? {
        value.isFinite && value >= 0 && value <= Double(maximumElements) ? Int(value) : nil
    }

    /// Whether a window's sizes (kernel, strides, dilations: 1 up) and paddings (0 up) are all at most
    /// `maximumWindowValue`.
    public static func windowFits(sizes: [Int]..., paddings: [Int]...) -> Bool {
        sizes.allSatisfy { $0.allSatisfy { $0 >= 1 && $0 <= maximumWindowValue } }
            && paddings.allSatisfy { $0.allSatisfy { $0 >= 0 && $0 <= maximumWindowValue } }
    }

    /// Throws when a tensor of `type` (an output of `op`, when given) needs more bytes than `limit`
    /// (the memory this process may use).
    static func checkMemory(_ type: TensorType, outputOf op: String? = nil, limit: Int = MemoryLimit.bytes) throws(InferenceError) {
        let bytes = (elementCount(type.shape) ?? maximumElements) * type.elementType.size
        guard bytes > limit else { return }
        let producer = op.map { "\($0): output: " } ?? ""
        throw MemoryLimit.exceeded("\(producer)a \(type.elementType) tensor of shape \(type.shape)", needed: bytes, limit: limit)
    }

    /// Whether `value` may be added to a dimension without leaving the range these limits keep.
    public static func isPlausibleOffset(_ value: Int) -> Bool {
        value >= -maximumElements && value <= maximumElements
    }
}

extension Operator {
    /// `outputTypes`, with every shape checked against `ShapeLimits` and `MemoryLimit`: what plans,
    /// runs and `evaluate` call, so that no tensor is made from an impossible shape.
    func checkedOutputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let types = try outputTypes(inputs)
        for type in types {
            guard ShapeLimits.elementCount(type.shape) != nil else {
                throw InferenceError(.invalidGraph, "\(name): output shape \(type.shape) has a negative dimension or more than \(ShapeLimits.maximumElements) elements; the model's shapes are broken")
            }
            try ShapeLimits.checkMemory(type, outputOf: name)
        }
        return types
    }
}

extension Int {
    /// The product, or Int.max when it does not fit: a size past any limit, which the check that
    /// reads it refuses (the memory limit), instead of a product that wrapped.
    func multipliedSaturating(by other: Int) -> Int {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? .max : product
    }

    /// The product of `factors`, Int.max from the first that overflows.
    static func saturatingProduct(_ factors: [Int]) -> Int {
        var result = 1
        for factor in factors {
            result = result.multipliedSaturating(by: factor)
            if result == .max { return .max }
        }
        return result
    }
}
