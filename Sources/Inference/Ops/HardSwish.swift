// HardSwish: x * max(0, min(1, x / 6 + 1 / 2)), elementwise on float32.

public struct HardSwish: ActivationOperator {
    public let name = "HardSwish"
    public let activation = Activation.hardSwish
    public init() {}
}
