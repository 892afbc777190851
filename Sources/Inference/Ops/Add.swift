// Add: elementwise a + b with broadcasting.

public struct Add: BinaryArithmetic {
    public let name = "Add"
    public init() {}
    func apply(_ a: Float, _ b: Float) -> Float { a + b }
    func apply(_ a: Int64, _ b: Int64) -> Int64 { a &+ b }
    func apply(_ a: Int32, _ b: Int32) -> Int32 { a &+ b }
}
