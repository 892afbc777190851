// Div: elementwise a / b with broadcasting; integer division truncates, and division by zero gives 0.

public struct Div: BinaryArithmetic {
    public let name = "Div"
    public init() {}
    func apply(_ a: Float, _ b: Float) -> Float { a / b }
    // A zero divisor would trap; an untrusted model must not crash the process.
    func apply(_ a: Int64, _ b: Int64) -> Int64 { b == 0 ? 0 : a.dividedReportingOverflow(by: b).partialValue }
    func apply(_ a: Int32, _ b: Int32) -> Int32 { b == 0 ? 0 : a.dividedReportingOverflow(by: b).partialValue }
}
