// LeakyRelu: x for x >= 0, alpha * x below, elementwise on float32.

public struct LeakyRelu: ActivationOperator {
    public let name = "LeakyRelu"
    public let activation: Activation
    public init(alpha: Float = 0.01) { activation = .leakyRelu(alpha: alpha) }
}
