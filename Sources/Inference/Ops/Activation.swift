// Pointwise activations: the math shared by the activation operators and by fused Conv/Gemm epilogues.
import Glibc

/// A pointwise function applied to float32 values in place.
public enum Activation: Equatable, Sendable {
    case relu
    case leakyRelu(alpha: Float)
    case sigmoid
    case hardSigmoid(alpha: Float, beta: Float)
    case hardSwish
    case clip(min: Float, max: Float)
    case tanh
    case erf
    case sqrt
    case exp, log, neg, abs, reciprocal, floor, ceil
    /// Halves to even, as ONNX's Round.
    case round
    case sign
    case softplus, softsign, mish
    case elu(alpha: Float)
    case selu(alpha: Float, gamma: Float)
    case thresholdedRelu(alpha: Float)
    /// GELU: x·Φ(x) exactly (erf), or by the tanh approximation.
    case gelu(tanhApproximation: Bool)

    @inline(__always)
    public func apply(_ x: Float) -> Float {
        switch self {
        case .relu: return x > 0 ? x : 0
        case .leakyRelu(let alpha): return x >= 0 ? x : alpha * x
        case .sigmoid: return 1 / (1 + expf(-x))
        case .hardSigmoid(let alpha, let beta): return Swift.max(0, Swift.min(1, alpha * x + beta))
        case .hardSwish: return x * Swift.max(0, Swift.min(1, x * (1 / 6) + 0.5))
        // NaN passes through Clip unchanged, as in onnxruntime.
        case .clip(let low, let high): return x.isNaN ? x : Swift.min(high, Swift.max(low, x))
        case .tanh: return tanhf(x)
        case .erf: return erff(x)
        case .sqrt: return sqrtf(x)
        case .exp: return expf(x)
        case .log: return logf(x)
        case .neg: return -x
        case .abs: return Swift.abs(x)
        case .reciprocal: return 1 / x
        case .floor: return floorf(x)
        case .ceil: return ceilf(x)
        case .round: return x.rounded(.toNearestOrEven)
        case .sign: return x > 0 ? 1 : x < 0 ? -1 : x
        // log(1 + e^x) without overflowing for large x.
        case .softplus: return x > 20 ? x : log1pf(expf(x))
        case .softsign: return x / (1 + Swift.abs(x))
        case .mish: return x * tanhf(x > 20 ? x : log1pf(expf(x)))
        case .elu(let alpha): return x >= 0 ? x : alpha * (expf(x) - 1)
        case .selu(let alpha, let gamma): return gamma * (x > 0 ? x : alpha * (expf(x) - 1))
        case .thresholdedRelu(let alpha): return x > alpha ? x : 0
        case .gelu(let tanhApproximation):
            if tanhApproximation { return 0.5 * x * (1 + tanhf(0.797_884_6 * (x + 0.044_715 * x * x * x))) }
            return 0.5 * x * (1 + erff(x * 0.707_106_77))
        }
    }

    /// Applies the function to every element of `values`, splitting large buffers across threads.
    public func apply(to values: UnsafeMutableBufferPointer<Float>, _ context: KernelContext) {
        context.parallelFor(values.count, minimumChunk: 1 << 15) { range in
            apply(values.baseAddress! + range.lowerBound, count: range.count)
        }
    }

    /// Applies the function to `count` values at `p`, on the calling thread.
    @inline(__always)
    public func apply(_ p: UnsafeMutablePointer<Float>, count: Int) {
        // One loop per case, with the parameters hoisted, so each one vectorises.
        switch self {
        case .relu: for i in 0..<count { p[i] = Swift.max(p[i], 0) }
        case .clip(let low, let high): for i in 0..<count { let x = p[i]; p[i] = x.isNaN ? x : Swift.min(high, Swift.max(low, x)) }
        case .hardSwish: for i in 0..<count { let x = p[i]; p[i] = x * Swift.max(0, Swift.min(1, x * (1 / 6) + 0.5)) }
        case .hardSigmoid(let alpha, let beta): for i in 0..<count { p[i] = Swift.max(0, Swift.min(1, alpha * p[i] + beta)) }
        case .leakyRelu(let alpha): for i in 0..<count { let x = p[i]; p[i] = x >= 0 ? x : alpha * x }
        case .sigmoid: for i in 0..<count { p[i] = 1 / (1 + expf(-p[i])) }
        case .tanh: for i in 0..<count { p[i] = tanhf(p[i]) }
        case .erf: for i in 0..<count { p[i] = erff(p[i]) }
        case .sqrt: for i in 0..<count { p[i] = sqrtf(p[i]) }
        case .neg: for i in 0..<count { p[i] = -p[i] }
        case .abs: for i in 0..<count { p[i] = Swift.abs(p[i]) }
        // The rest, rare in the hot path, one call per element.
        default: for i in 0..<count { p[i] = apply(p[i]) }
        }
    }
}

/// An operator that applies one activation to a float32 tensor.
protocol ActivationOperator: Operator {
    var activation: Activation { get }
}

extension ActivationOperator {
    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let input = try inputs.required(0, name)
        guard input.type.elementType == .float32 else { throw invalidInput("\(name) takes float32, not \(input.type.elementType)") }
        return [input.type]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        outputs[0].copyElements(from: inputs.required(0))
        outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { activation.apply(to: $0, context) }
    }
}
