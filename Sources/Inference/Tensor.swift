// One plain tensor: element type, shape (row-major, contiguous) and its bytes.

/// A dense row-major tensor. It is a value: copies share storage until one of them is mutated
/// (copy on write), so handing tensors around costs nothing.
public struct Tensor: @unchecked Sendable {
    public let elementType: ElementType
    public let shape: [Int]
    public private(set) var storage: TensorStorage

    /// A zero-filled tensor.
    public init(_ elementType: ElementType, shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.elementType = elementType
        self.shape = shape
        storage = TensorStorage(byteCount: Self.elementCount(shape) * elementType.size)
    }

    /// A tensor over existing storage (a planned buffer); `storage` must be large enough.
    public init(_ elementType: ElementType, shape: [Int], storage: TensorStorage) {
        precondition(storage.byteCount >= Self.elementCount(shape) * elementType.size, "storage too small for \(shape)")
        self.elementType = elementType
        self.shape = shape
        self.storage = storage
    }

    public init(float32 values: [Float], shape: [Int]) { self.init(.float32, copying: values, shape: shape) }

    public init(int64 values: [Int64], shape: [Int]) { self.init(.int64, copying: values, shape: shape) }

    public init(int32 values: [Int32], shape: [Int]) { self.init(.int32, copying: values, shape: shape) }

    public init(int8 values: [Int8], shape: [Int]) { self.init(.int8, copying: values, shape: shape) }

    public init(uint8 values: [UInt8], shape: [Int]) { self.init(.uint8, copying: values, shape: shape) }

    /// A tensor of `type` holding a copy of `values`, whose element is that type's in memory.
    private init<Element>(_ type: ElementType, copying values: [Element], shape: [Int]) {
        self.init(type, shape: shape)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBytes { bytes in
            if let source = bytes.baseAddress { storage.pointer.copyMemory(from: source, byteCount: bytes.count) }
        }
    }

    public init(bool values: [Bool], shape: [Int]) {
        self.init(.bool, shape: shape)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        for (index, value) in values.enumerated() { storage.pointer.storeBytes(of: value ? 1 : 0, toByteOffset: index, as: UInt8.self) }
    }

    public static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    public var count: Int { Self.elementCount(shape) }
    public var rank: Int { shape.count }
    public var byteCount: Int { count * elementType.size }

    /// The same elements under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(Self.elementCount(newShape) == count, "cannot reshape \(shape) to \(newShape)")
        return Tensor(elementType, shape: newShape, storage: storage)
    }

    // MARK: - Access

    public func withUnsafeBufferPointer<Element, Result>(as type: Element.Type, _ body: (UnsafeBufferPointer<Element>) throws -> Result) rethrows -> Result {
        precondition(MemoryLayout<Element>.size == elementType.size, "\(Element.self) does not match \(elementType)")
        return try body(UnsafeBufferPointer(start: storage.pointer.assumingMemoryBound(to: Element.self), count: count))
    }

    public mutating func withUnsafeMutableBufferPointer<Element, Result>(as type: Element.Type, _ body: (UnsafeMutableBufferPointer<Element>) throws -> Result) rethrows -> Result {
        precondition(MemoryLayout<Element>.size == elementType.size, "\(Element.self) does not match \(elementType)")
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return try body(UnsafeMutableBufferPointer(start: storage.pointer.assumingMemoryBound(to: Element.self), count: count))
    }

    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(start: storage.pointer, count: byteCount))
    }

    public mutating func withUnsafeMutableBytes<Result>(_ body: (UnsafeMutableRawBufferPointer) throws -> Result) rethrows -> Result {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return try body(UnsafeMutableRawBufferPointer(start: storage.pointer, count: byteCount))
    }

    /// Elements as Swift arrays, for tests, small shape tensors and results.
    public var floats: [Float] { withUnsafeBufferPointer(as: Float.self) { Array($0) } }
    public var int64s: [Int64] {
        switch elementType {
        case .int64: return withUnsafeBufferPointer(as: Int64.self) { Array($0) }
        case .int32: return withUnsafeBufferPointer(as: Int32.self) { $0.map(Int64.init) }
        case .bool, .uint8: return withUnsafeBufferPointer(as: UInt8.self) { $0.map(Int64.init) }
        case .int8: return withUnsafeBufferPointer(as: Int8.self) { $0.map(Int64.init) }
        // Saturating: Int64(x) is undefined for NaN and values out of range (this module skips the
        // checks), and a model can put any float where a shape or an index is read. The extremes
        // (NaN as Int64.min) are refused by whatever reads them.
        case .float32: return withUnsafeBufferPointer(as: Float.self) { $0.map { $0.isNaN ? .min : Int64(saturating: Double($0)) } }
        }
    }
    public var bools: [Bool] { withUnsafeBufferPointer(as: UInt8.self) { $0.map { $0 != 0 } } }
}

extension Tensor: CustomStringConvertible {
    public var description: String { "Tensor<\(elementType)>\(shape)" }
}
