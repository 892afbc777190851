// Elementwise math on float32 (Exp, Log, Neg, Abs, Reciprocal, Floor, Ceil, Round, Sign) and the
// smooth activations of newer models (Softplus, Softsign, Mish, Elu, Selu, ThresholdedRelu, Gelu):
// each an `Activation`, so that a Conv or Gemm before it can take it into its epilogue.

/// One elementwise function, named as ONNX names its operator.
public struct ElementwiseFunction: ActivationOperator {
    public let name: String
    public let activation: Activation

    public init(_ name: String, _ activation: Activation) {
        self.name = name
        self.activation = activation
    }
}
