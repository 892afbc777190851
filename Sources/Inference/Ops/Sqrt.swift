// Sqrt: the square root of x (NaN below 0), elementwise on float32.

public struct Sqrt: ActivationOperator {
    public let name = "Sqrt"
    public let activation = Activation.sqrt
    public init() {}
}
