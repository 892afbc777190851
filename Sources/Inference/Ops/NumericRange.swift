// Range: start, start + delta, ... up to (not including) limit; its three scalar inputs must be
// known when the plan is made (YOLO exports compute them from the input's shape), since they give
// the output's length.

/// ONNX Range (not named so: it would hide Swift's Range in this module).
public struct NumericRange: Operator {
    public let name = "Range"
    public init() {}

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        guard let start = try inputs.value(0, name), let limit = try inputs.value(1, name), let delta = try inputs.value(2, name) else {
            throw invalidInput("Range needs start, limit and delta")
        }
        let type = start.elementType
        guard [.float32, .int64, .int32].contains(type), limit.elementType == type, delta.elementType == type else {
            throw invalidInput("Range: start, limit and delta must be one type of float32, int64 and int32, not \(start.elementType), \(limit.elementType), \(delta.elementType)")
        }
        guard start.count == 1, limit.count == 1, delta.count == 1 else { throw invalidInput("Range: start, limit and delta must be scalars") }
        return [TensorType(type, [try Self.count(start, limit, delta)])]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let (start, delta) = (inputs.required(0), inputs.required(2))
        let count = outputs[0].count
        switch start.elementType {
        case .float32:
            let (first, step) = (start.floats[0], delta.floats[0])
            // As ONNX defines it: each element is start + i * delta (not a running sum, which drifts).
            outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { out in for i in 0..<count { out[i] = first + Float(i) * step } }
        case .int64:
            let (first, step) = (start.int64s[0], delta.int64s[0])
            outputs[0].withUnsafeMutableBufferPointer(as: Int64.self) { out in for i in 0..<count { out[i] = first &+ Int64(i) &* step } }
        case .int32:
            let (first, step) = (Int32(start.int64s[0]), Int32(delta.int64s[0]))
            outputs[0].withUnsafeMutableBufferPointer(as: Int32.self) { out in for i in 0..<count { out[i] = first &+ Int32(i) &* step } }
        case .bool, .int8, .uint8:
            throw invalidInput("Range does not take \(start.elementType)")
        }
    }

    /// max(ceil((limit - start) / delta), 0), refused for a delta of 0 or a length past any tensor's.
    static func count(_ start: Tensor, _ limit: Tensor, _ delta: Tensor) throws -> Int {
        guard start.elementType == .float32 else { return try integerCount(start.int64s[0], limit.int64s[0], delta.int64s[0]) }
        let (first, last, step) = (Double(start.floats[0]), Double(limit.floats[0]), Double(delta.floats[0]))
        guard step != 0, step.isFinite, first.isFinite, last.isFinite else {
            throw invalidInput("Range: delta must be a finite non-zero number and start and limit finite (got \(first), \(last), \(step))")
        }
        let count = max(((last - first) / step).rounded(.up), 0)
        guard count <= Double(Int32.max) else { throw invalidInput("Range: \(count) elements is more than a tensor holds") }
        return Int(count)
    }

    /// The count in integers: through a Double, values past 2^53 lose their last digits.
    private static func integerCount(_ first: Int64, _ last: Int64, _ step: Int64) throws -> Int {
        guard step != 0 else { throw invalidInput("Range: delta must be a finite non-zero number (got 0)") }
        let (span, overflow) = last.subtractingReportingOverflow(first)
        guard !overflow else { throw invalidInput("Range: from \(first) to \(last) is more than a tensor holds") }
        guard (span > 0) == (step > 0), span != 0 else { return 0 }
        // Rounded up: a partial step still gives an element.
        let count = span / step + (span % step == 0 ? 0 : 1)
        guard count <= Int64(Int32.max) else { throw invalidInput("Range: \(count) elements is more than a tensor holds") }
        return Int(count)
    }
}
