// Relu: max(x, 0), elementwise on float32.

public struct Relu: ActivationOperator {
    public let name = "Relu"
    public let activation = Activation.relu
    public init() {}
}
