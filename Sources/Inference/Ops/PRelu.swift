// PRelu: x where x ≥ 0, slope · x below, the slope broadcast to x (one per channel in face models).

public struct PRelu: BinaryArithmetic {
    public let name = "PRelu"
    public init() {}
    func apply(_ a: Float, _ b: Float) -> Float { a < 0 ? a * b : a }
    func apply(_ a: Int64, _ b: Int64) -> Int64 { a < 0 ? a &* b : a }
    func apply(_ a: Int32, _ b: Int32) -> Int32 { a < 0 ? a &* b : a }
}
