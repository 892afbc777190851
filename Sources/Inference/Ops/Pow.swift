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
        let base = inputs.required(0).asDoubles(), exponent = inputs.required(1).asDoubles()
        let shape = outputs[0].shape
        var result = [Double](repeating: 0, count: outputs[0].count)
        Broadcast.forEachRow(shape, inputs.required(0).shape, inputs.required(1).shape) { o, ia, ib, n, sa, sb in
            for i in 0..<n { result[o + i] = Glibc.pow(base[ia + i * sa], exponent[ib + i * sb]) }
        }
        outputs[0].assign(doubles: result)
    }
}

extension Tensor {
    /// Elements widened to Double (for mixed-type arithmetic and casts).
    func asDoubles() -> [Double] {
        switch elementType {
        case .float32: return withUnsafeBufferPointer(as: Float.self) { $0.map(Double.init) }
        case .int64: return withUnsafeBufferPointer(as: Int64.self) { $0.map(Double.init) }
        case .int32: return withUnsafeBufferPointer(as: Int32.self) { $0.map(Double.init) }
        case .bool: return withUnsafeBufferPointer(as: UInt8.self) { $0.map { $0 != 0 ? 1 : 0 } }
        }
    }

    /// Stores `values` converted to this tensor's element type (integers truncate toward zero,
    /// saturating at the type's range so out-of-range values cannot trap).
    mutating func assign(doubles values: [Double]) {
        switch elementType {
        case .float32: withUnsafeMutableBufferPointer(as: Float.self) { for i in 0..<$0.count { $0[i] = Float(values[i]) } }
        case .int64: withUnsafeMutableBufferPointer(as: Int64.self) { for i in 0..<$0.count { $0[i] = Int64(saturating: values[i]) } }
        case .int32: withUnsafeMutableBufferPointer(as: Int32.self) { for i in 0..<$0.count { $0[i] = Int32(saturating: values[i]) } }
        case .bool: withUnsafeMutableBufferPointer(as: UInt8.self) { for i in 0..<$0.count { $0[i] = values[i] != 0 ? 1 : 0 } }
        }
    }
}

extension FixedWidthInteger {
    init(saturating value: Double) {
        if value.isNaN { self = 0 }
        else if value >= Double(Self.max) { self = Self.max }
        else if value <= Double(Self.min) { self = Self.min }
        else { self = Self(value.rounded(.towardZero)) }
    }
}
