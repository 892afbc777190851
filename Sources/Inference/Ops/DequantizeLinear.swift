// DequantizeLinear: y = (x - zero point) * scale, from int8, uint8 or int32 (a quantized bias) to
// float32. On a model's constant weights it is folded at load, so the convolutions run on floats.

public struct DequantizeLinear: Operator {
    public let name = "DequantizeLinear"
    let axis: QuantizationAxis

    /// `perAxis`: whether a scale per slice along `axis` is allowed (opset 13 on).
    public init(axis: Int = 1, blockSize: Int = 0, perAxis: Bool = true) {
        precondition(blockSize >= 0, "a negative block size")
        self.axis = QuantizationAxis(axis: axis, blockSize: blockSize, perAxis: perAxis)
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let x = try inputs.required(0, name), scale = try inputs.required(1, name)
        let zeroPoint = inputs.count > 2 ? inputs[2] : nil
        guard [.int8, .uint8, .int32].contains(x.type.elementType) else {
            throw invalidInput("DequantizeLinear: x must be int8, uint8 or int32, not \(x.type.elementType)")
        }
        if let zeroPoint, zeroPoint.type.elementType != x.type.elementType {
            throw invalidInput("DequantizeLinear: the zero point is \(zeroPoint.type.elementType), x is \(x.type.elementType)")
        }
        try inputs.requireFloat32([1], name)
        try axis.check(x.type.shape, scale: scale.type, zeroPoint: zeroPoint?.type, op: name)
        return [TensorType(.float32, x.type.shape)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let x = inputs.required(0), scale = inputs.required(1), zeroPoint = inputs.optional(2)
        let zeroPoints = QuantizationAxis.zeroPoints(zeroPoint, count: scale.count)
        let scales = scale.withUnsafeBufferPointer(as: Float.self) { $0.baseAddress! }
        let y = outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { $0.baseAddress! }
        zeroPoints.withUnsafeBufferPointer { zeros in
            switch x.elementType {
            case .int8: x.withUnsafeBufferPointer(as: Int8.self) { dequantize($0.baseAddress!, x.shape, scales, scale.count, zeros, y, context) }
            case .uint8: x.withUnsafeBufferPointer(as: UInt8.self) { dequantize($0.baseAddress!, x.shape, scales, scale.count, zeros, y, context) }
            default: x.withUnsafeBufferPointer(as: Int32.self) { dequantize($0.baseAddress!, x.shape, scales, scale.count, zeros, y, context) }
            }
        }
        withExtendedLifetime(scale) {}
    }

    // Each integer goes to Float through Int32: the conversion from a generic integer is a call
    // per element, the one from Int32 an instruction.
    @inline(__always)
    private func dequantize<Integer: FixedWidthInteger>(_ x: UnsafePointer<Integer>, _ shape: [Int], _ scales: UnsafePointer<Float>, _ scaleCount: Int,
                                                        _ zeros: UnsafeBufferPointer<Float>, _ y: UnsafeMutablePointer<Float>, _ context: KernelContext) {
        axis.forEachRun(shape, scaleCount: scaleCount, context) { run in
            let source = x + run.start, target = y + run.start
            if run.scaleStride == 0 {
                let scale = scales[run.scaleStart], zero = zeros[run.scaleStart]
                for k in 0..<run.count { target[k] = (Float(Int32(truncatingIfNeeded: source[k])) - zero) * scale }
            } else {
                for k in 0..<run.count {
                    let s = run.scaleStart + k * run.scaleStride
                    target[k] = (Float(Int32(truncatingIfNeeded: source[k])) - zeros[s]) * scales[s]
                }
            }
        }
    }
}
