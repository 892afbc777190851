// Registry entries: elementwise arithmetic, matrix products and reductions.
import Inference

extension OperatorRegistry {
    mutating func registerArithmetic() {
        register("Add") { _ in Add() }
        register("Sub") { _ in Sub() }
        register("Mul") { _ in Mul() }
        register("Div") { _ in Div() }
        register("Pow") { _ in Pow() }
        register("Sum") { _ in Sum() }
        register("MatMul") { _ in MatMul() }
        register("Gemm") { node in
            let a = node.attributes
            return Gemm(alpha: a.float("alpha", default: 1), beta: a.float("beta", default: 1),
                        transA: a.int("transA", default: 0) != 0, transB: a.int("transB", default: 0) != 0)
        }
        register("ReduceMean") { node in
            let a = node.attributes
            return ReduceMean(axes: a.ints("axes"), keepDims: a.int("keepdims", default: 1) != 0,
                              noopWithEmptyAxes: a.int("noop_with_empty_axes", default: 0) != 0)
        }
        register("Softmax") { node in
            // Before opset 13 Softmax works on the input coerced to 2-D at `axis` (default 1).
            node.opset < 13 ? Softmax(axis: node.attributes.int("axis", default: 1), flattensFromAxis: true)
                            : Softmax(axis: node.attributes.int("axis", default: -1))
        }
    }

    mutating func registerActivations() {
        register("Relu") { _ in Relu() }
        register("Sigmoid") { _ in Sigmoid() }
        register("Tanh") { _ in Tanh() }
        register("Erf") { _ in Erf() }
        register("Sqrt") { _ in Sqrt() }
        register("HardSwish") { _ in HardSwish() }
        register("LeakyRelu") { node in LeakyRelu(alpha: node.attributes.float("alpha", default: 0.01)) }
        register("PRelu") { _ in PRelu() }
        register("HardSigmoid") { node in
            HardSigmoid(alpha: node.attributes.float("alpha", default: 0.2), beta: node.attributes.float("beta", default: 0.5))
        }
        register("Clip") { node in
            node.opset < 11 ? Clip(min: node.attributes.float("min") ?? -.greatestFiniteMagnitude, max: node.attributes.float("max") ?? .greatestFiniteMagnitude) : Clip()
        }
    }
}
