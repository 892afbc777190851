// HardSigmoid: max(0, min(1, alpha * x + beta)), elementwise on float32.

public struct HardSigmoid: ActivationOperator {
    public let name = "HardSigmoid"
    public let activation: Activation
    public init(alpha: Float = 0.2, beta: Float = 0.5) { activation = .hardSigmoid(alpha: alpha, beta: beta) }
}
