// Elements read and written as Double, for the operators that compute across element types in
// Double (Pow, Cast): one element at a time, so no widened copy of a whole tensor is made beside
// the output (a float tensor widened is twice its size, outside the memory the plan checked).

extension Tensor {
    /// Calls `body` with a function that gives element `i` widened to Double.
    func withDoubleReader<Result>(_ body: ((Int) -> Double) throws -> Result) rethrows -> Result {
        switch elementType {
        case .float32: return try withUnsafeBufferPointer(as: Float.self) { elements in try body { Double(elements[$0]) } }
        case .int64: return try withUnsafeBufferPointer(as: Int64.self) { elements in try body { Double(elements[$0]) } }
        case .int32: return try withUnsafeBufferPointer(as: Int32.self) { elements in try body { Double(elements[$0]) } }
        case .bool: return try withUnsafeBufferPointer(as: UInt8.self) { elements in try body { elements[$0] != 0 ? 1 : 0 } }
        case .int8: return try withUnsafeBufferPointer(as: Int8.self) { elements in try body { Double(elements[$0]) } }
        case .uint8: return try withUnsafeBufferPointer(as: UInt8.self) { elements in try body { Double(elements[$0]) } }
        }
    }

    /// Calls `body` with a function that stores a Double as element `i`, converted to this tensor's
    /// element type (integers truncate toward zero, saturating at the type's range so that values
    /// out of range cannot trap).
    mutating func withDoubleWriter<Result>(_ body: ((Int, Double) -> Void) throws -> Result) rethrows -> Result {
        switch elementType {
        case .float32: return try withUnsafeMutableBufferPointer(as: Float.self) { elements in try body { elements[$0] = Float($1) } }
        case .int64: return try withUnsafeMutableBufferPointer(as: Int64.self) { elements in try body { elements[$0] = Int64(saturating: $1) } }
        case .int32: return try withUnsafeMutableBufferPointer(as: Int32.self) { elements in try body { elements[$0] = Int32(saturating: $1) } }
        case .bool: return try withUnsafeMutableBufferPointer(as: UInt8.self) { elements in try body { elements[$0] = $1 != 0 ? 1 : 0 } }
        case .int8: return try withUnsafeMutableBufferPointer(as: Int8.self) { elements in try body { elements[$0] = Int8(saturating: $1) } }
        case .uint8: return try withUnsafeMutableBufferPointer(as: UInt8.self) { elements in try body { elements[$0] = UInt8(saturating: $1) } }
        }
    }

    /// Elements widened to Double: for the scalars and short lists operators read (bounds, scales).
    func asDoubles() -> [Double] {
        withDoubleReader { element in (0..<count).map(element) }
    }
}

extension FixedWidthInteger {
    init(saturating value: Double) {
        if value.isNaN { self = 0 }
        else if value >= Double(Self.max) { self = Self.max }
        else if value <= Double(Self.min) { self = Self.min }
        else { self = Self(value.rounded(.towardZero)) }
    }
}
