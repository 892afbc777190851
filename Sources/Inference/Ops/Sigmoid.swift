// Sigmoid: 1 / (1 + exp(-x)), elementwise on float32.

public struct Sigmoid: ActivationOperator {
    public let name = "Sigmoid"
    public let activation = Activation.sigmoid
    public init() {}
}
