// Erf: the error function of x, elementwise on float32.

public struct Erf: ActivationOperator {
    public let name = "Erf"
    public let activation = Activation.erf
    public init() {}
}
