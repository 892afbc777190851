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
        for kind in [Reduce.Kind.mean, .sum, .max, .min] {
            register(kind.rawValue) { node in
                let a = node.attributes
                return Reduce(kind, axes: a.ints("axes"), keepDims: a.int("keepdims", default: 1) != 0,
                              noopWithEmptyAxes: a.int("noop_with_empty_axes", default: 0) != 0)
            }
        }
        register("Max") { _ in Extremum(.max) }
        register("Min") { _ in Extremum(.min) }
        for kind in [Extremum.Kind.max, .min] {
            register(kind == .max ? "ArgMax" : "ArgMin") { node in
                let a = node.attributes
                return ArgExtremum(kind, axis: a.int("axis", default: 0), keepDims: a.int("keepdims", default: 1) != 0,
                                   selectLastIndex: a.int("select_last_index", default: 0) != 0)
            }
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
        let plain: [(String, Activation)] = [("Exp", .exp), ("Log", .log), ("Neg", .neg), ("Abs", .abs), ("Reciprocal", .reciprocal),
                                             ("Floor", .floor), ("Ceil", .ceil), ("Round", .round), ("Sign", .sign),
                                             ("Softplus", .softplus), ("Softsign", .softsign), ("Mish", .mish)]
        for (name, activation) in plain { register(name) { _ in ElementwiseFunction(name, activation) } }
        register("Elu") { node in ElementwiseFunction("Elu", .elu(alpha: node.attributes.float("alpha", default: 1))) }
        register("Selu") { node in
            ElementwiseFunction("Selu", .selu(alpha: node.attributes.float("alpha", default: 1.673_263_2),
                                              gamma: node.attributes.float("gamma", default: 1.050_701)))
        }
        register("ThresholdedRelu") { node in ElementwiseFunction("ThresholdedRelu", .thresholdedRelu(alpha: node.attributes.float("alpha", default: 1))) }
        register("Gelu") { node in
            let approximate = node.attributes.string("approximate") ?? "none"
            guard ["none", "tanh"].contains(approximate) else {
                throw ModelError(.unsupportedOperators, "node '\(node.attributes.node)': Gelu approximate '\(approximate)' is not one of none, tanh")
            }
            return ElementwiseFunction("Gelu", .gelu(tanhApproximation: approximate == "tanh"))
        }
        register("HardSigmoid") { node in
            HardSigmoid(alpha: node.attributes.float("alpha", default: 0.2), beta: node.attributes.float("beta", default: 0.5))
        }
        register("Clip") { node in
            node.opset < 11 ? Clip(min: node.attributes.float("min") ?? -.greatestFiniteMagnitude, max: node.attributes.float("max") ?? .greatestFiniteMagnitude) : Clip()
        }
    }
}
