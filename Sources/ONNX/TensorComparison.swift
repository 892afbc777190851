// Comparing an output with its expected value: max absolute and relative error, and a verdict.
import Inference

public struct TensorComparison: Sendable {
    public var maxAbsoluteError: Double = 0
    public var maxRelativeError: Double = 0
    public var passed = true
    /// Why it failed when it is not a numeric tolerance (shape or type mismatch).
    public var mismatch: String?

    /// Compares elementwise: |actual - expected| <= absolute + relative * |expected| (numpy's allclose);
    /// integers and bools must match exactly; NaN matches NaN.
    public init(actual: Tensor, expected: Tensor, absoluteTolerance: Double, relativeTolerance: Double) {
        guard actual.shape == expected.shape else {
            passed = false
            mismatch = "shape \(actual.shape), expected \(expected.shape)"
            return
        }
        guard actual.elementType == expected.elementType else {
            passed = false
            mismatch = "type \(actual.elementType), expected \(expected.elementType)"
            return
        }
        let a = actual.asDoubleArray(), e = expected.asDoubleArray()
        let exact = actual.elementType != .float32
        for i in 0..<a.count {
            if a[i].isNaN && e[i].isNaN { continue }
            let difference = a[i] == e[i] ? 0 : abs(a[i] - e[i])
            maxAbsoluteError = max(maxAbsoluteError, difference.isNaN ? .infinity : difference)
            if e[i] != 0 { maxRelativeError = max(maxRelativeError, difference / abs(e[i])) } else if difference > 0 { maxRelativeError = .infinity }
            let allowed = exact ? 0 : absoluteTolerance + relativeTolerance * abs(e[i])
            if !(difference <= allowed) { passed = false }
        }
    }
}

extension Tensor {
    func asDoubleArray() -> [Double] {
        switch elementType {
        case .float32: return floats.map(Double.init)
        case .int64, .int32, .int8, .uint8: return int64s.map(Double.init)
        case .bool: return bools.map { $0 ? 1 : 0 }
        }
    }
}
