// Tanh: tanh(x), elementwise on float32.

public struct Tanh: ActivationOperator {
    public let name = "Tanh"
    public let activation = Activation.tanh
    public init() {}
}
