// Sub: elementwise a - b with broadcasting.

public struct Sub: BinaryArithmetic {
    public let name = "Sub"
    public init() {}
    func apply(_ a: Float, _ b: Float) -> Float { a - b }
    func apply(_ a: Int64, _ b: Int64) -> Int64 { a &- b }
    func apply(_ a: Int32, _ b: Int32) -> Int32 { a &- b }
}
