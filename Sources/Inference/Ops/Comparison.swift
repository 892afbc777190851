// Equal, Less, Greater, LessOrEqual, GreaterOrEqual: elementwise comparisons of two broadcast
// inputs into a bool mask. Dynamic-shape exports compare shapes with them (Where(Equal(s, -1), ...)).

public struct Comparison: Operator {
    public enum Kind: String, Sendable, CaseIterable {
        case equal = "Equal", less = "Less", greater = "Greater", lessOrEqual = "LessOrEqual", greaterOrEqual = "GreaterOrEqual"
    }

    public var name: String { kind.rawValue }
    let kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let a = try inputs.required(0, name), b = try inputs.required(1, name)
        guard a.type.elementType == b.type.elementType else {
            throw invalidInput("\(name): element types \(a.type.elementType) and \(b.type.elementType) differ")
        }
        guard kind == .equal || a.type.elementType != .bool else { throw invalidInput("\(name) does not order bool tensors") }
        return [TensorType(.bool, try Broadcast.shape(a.type.shape, b.type.shape, op: name))]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let a = inputs.required(0), b = inputs.required(1)
        switch a.elementType {
        case .float32: compare(a, b, &outputs[0], Float.self)
        case .int64: compare(a, b, &outputs[0], Int64.self)
        case .int32: compare(a, b, &outputs[0], Int32.self)
        case .bool, .uint8: compare(a, b, &outputs[0], UInt8.self)
        case .int8: compare(a, b, &outputs[0], Int8.self)
        }
    }

    private func compare<T: Comparable>(_ a: Tensor, _ b: Tensor, _ output: inout Tensor, _ type: T.Type) {
        let test: (T, T) -> Bool
        switch kind {
        case .equal: test = (==)
        case .less: test = (<)
        case .greater: test = (>)
        case .lessOrEqual: test = (<=)
        case .greaterOrEqual: test = (>=)
        }
        let (outputShape, aShape, bShape) = Broadcast.coalesced(output.shape, a.shape, b.shape)
        a.withUnsafeBufferPointer(as: T.self) { x in
            b.withUnsafeBufferPointer(as: T.self) { y in
                output.withUnsafeMutableBufferPointer(as: UInt8.self) { out in
                    Broadcast.forEachRow(outputShape, aShape, bShape) { o, ia, ib, n, sa, sb in
                        for i in 0..<n { out[o + i] = test(x[ia + i * sa], y[ib + i * sb]) ? 1 : 0 }
                    }
                }
            }
        }
    }
}

/// Not, And, Or, Xor on bool masks (And, Or and Xor broadcast).
public struct Logical: Operator {
    public enum Kind: String, Sendable, CaseIterable { case not = "Not", and = "And", or = "Or", xor = "Xor" }

    public var name: String { kind.rawValue }
    let kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let a = try inputs.required(0, name)
        guard a.type.elementType == .bool else { throw invalidInput("\(name) takes bool, not \(a.type.elementType)") }
        guard kind != .not else { return [a.type] }
        let b = try inputs.required(1, name)
        guard b.type.elementType == .bool else { throw invalidInput("\(name) takes bool, not \(b.type.elementType)") }
        return [TensorType(.bool, try Broadcast.shape(a.type.shape, b.type.shape, op: name))]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let a = inputs.required(0)
        if kind == .not {
            a.withUnsafeBufferPointer(as: UInt8.self) { x in
                outputs[0].withUnsafeMutableBufferPointer(as: UInt8.self) { out in for i in 0..<out.count { out[i] = x[i] == 0 ? 1 : 0 } }
            }
            return
        }
        let f: (UInt8, UInt8) -> UInt8
        switch kind {
        case .and: f = { $0 != 0 && $1 != 0 ? 1 : 0 }
        case .or: f = { $0 != 0 || $1 != 0 ? 1 : 0 }
        default: f = { ($0 != 0) != ($1 != 0) ? 1 : 0 }
        }
        binaryKernel(a, inputs.required(1), &outputs[0], UInt8.self, f)
    }
}
