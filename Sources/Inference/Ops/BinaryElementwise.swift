// The shared kernel of Add, Sub, Mul, Div and Pow: broadcasting over float32 and the integer types.

/// Arithmetic that each binary operator supplies per element type.
protocol BinaryArithmetic: Operator {
    func apply(_ a: Float, _ b: Float) -> Float
    func apply(_ a: Int64, _ b: Int64) -> Int64
    func apply(_ a: Int32, _ b: Int32) -> Int32
}

extension BinaryArithmetic {
    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let a = try inputs.required(0, name), b = try inputs.required(1, name)
        guard a.type.elementType == b.type.elementType else {
            throw invalidInput("\(name): element types \(a.type.elementType) and \(b.type.elementType) differ")
        }
        guard a.type.elementType != .bool else { throw invalidInput("\(name) does not take bool tensors") }
        return [TensorType(a.type.elementType, try Broadcast.shape(a.type.shape, b.type.shape, op: name))]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let a = inputs.required(0), b = inputs.required(1)
        switch a.elementType {
        case .float32:
            if runFloatFastPath(a, b, &outputs[0], context) { return }
            binaryKernel(a, b, &outputs[0], Float.self, apply, context: context)
        case .int64: binaryKernel(a, b, &outputs[0], Int64.self, apply, context: context)
        case .int32: binaryKernel(a, b, &outputs[0], Int32.self, apply, context: context)
        // 8-bit integers are computed as Int32 and wrapped back, as numpy's uint8 and int8 wrap.
        case .int8: binaryKernel(a, b, &outputs[0], Int8.self, { Int8(truncatingIfNeeded: apply(Int32($0), Int32($1))) }, context: context)
        case .uint8: binaryKernel(a, b, &outputs[0], UInt8.self, { UInt8(truncatingIfNeeded: apply(Int32($0), Int32($1))) }, context: context)
        case .bool: throw invalidInput("\(name) does not take bool tensors")
        }
    }
}

extension BinaryArithmetic {
    /// The common float32 layouts, written on the operator rather than through `binaryKernel`'s
    /// closure so that `apply` is inlined into the loop, which then vectorises (through the closure
    /// it is a call per element): operands of one shape, and rows of `a` each combined with one
    /// value of `b` ([N, C, H, W] and [N, C, 1, 1]: a per-channel scale, as squeeze-and-excitation
    /// blocks apply it). False for any other layout.
    func runFloatFastPath(_ a: Tensor, _ b: Tensor, _ output: inout Tensor, _ context: KernelContext) -> Bool {
        let (outputShape, aShape, bShape) = Broadcast.coalesced(output.shape, a.shape, b.shape)
        let sameShape = aShape == outputShape && bShape == outputShape
        let perRow = outputShape.count == 2 && aShape == outputShape && bShape == [outputShape[0], 1]
        let count = output.count
        guard count > 0, sameShape || perRow else { return false }
        a.withUnsafeBufferPointer(as: Float.self) { x in
            b.withUnsafeBufferPointer(as: Float.self) { y in
                output.withUnsafeMutableBufferPointer(as: Float.self) { out in
                    let (x, y, out) = (x.baseAddress!, y.baseAddress!, out.baseAddress!)
                    if sameShape {
                        context.parallelFor(count, minimumChunk: 1 << 15) { range in
                            for i in range { out[i] = apply(x[i], y[i]) }
                        }
                        return
                    }
                    let (rows, n) = (outputShape[0], outputShape[1])
                    context.parallelFor(rows, minimumChunk: Swift.max(1, (1 << 15) / Swift.max(1, n))) { range in
                        for row in range {
                            let v = y[row], start = row * n
                            for i in start..<start + n { out[i] = apply(x[i], v) }
                        }
                    }
                }
            }
        }
        return true
    }
}

/// out[i] = f(a[ia], b[ib]) over the broadcast of a and b, with tight loops for the common layouts;
/// with a `context`, large outputs are split across its threads.
func binaryKernel<T>(_ a: Tensor, _ b: Tensor, _ output: inout Tensor, _ type: T.Type, _ f: (T, T) -> T,
                     context: KernelContext? = nil) {
    let (outputShape, aShape, bShape) = Broadcast.coalesced(output.shape, a.shape, b.shape)
    // Below this many elements a thread hand-off costs more than the loop.
    let perThread = 1 << 15
    a.withUnsafeBufferPointer(as: T.self) { x in
        b.withUnsafeBufferPointer(as: T.self) { y in
            output.withUnsafeMutableBufferPointer(as: T.self) { out in
                if a.shape == b.shape {
                    func run(_ range: Range<Int>) { for i in range { out[i] = f(x[i], y[i]) } }
                    if let context { context.parallelFor(out.count, minimumChunk: perThread, run) } else { run(0..<out.count) }
                    return
                }
                func runRows(_ rows: Range<Int>) {
                    Broadcast.forEachRow(outputShape, aShape, bShape, rows: rows) { o, ia, ib, n, sa, sb in
                        switch (sa, sb) {
                        case (1, 1): for i in 0..<n { out[o + i] = f(x[ia + i], y[ib + i]) }
                        case (1, 0): let v = y[ib]; for i in 0..<n { out[o + i] = f(x[ia + i], v) }
                        case (0, 1): let v = x[ia]; for i in 0..<n { out[o + i] = f(v, y[ib + i]) }
                        default: for i in 0..<n { out[o + i] = f(x[ia + i * sa], y[ib + i * sb]) }
                        }
                    }
                }
                let rows = Broadcast.rowCount(outputShape)
                guard rows > 0 else { return }
                if let context {
                    context.parallelFor(rows, minimumChunk: Swift.max(1, perThread / Swift.max(1, out.count / rows)), runRows)
                } else {
                    runRows(0..<rows)
                }
            }
        }
    }
}
