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
