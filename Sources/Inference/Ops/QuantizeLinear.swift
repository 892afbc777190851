// QuantizeLinear: y = saturate(round(x / scale) + zero point), rounding half to even, into int8
// or uint8. In a quantized model (QDQ) it marks where a float activation is held as 8 bits; the
// next DequantizeLinear turns it back, so the model computes on the values 8 bits can hold.

public struct QuantizeLinear: Operator {
    public let name = "QuantizeLinear"
    let axis: QuantizationAxis
    /// The output's type from opset 21's output_dtype; nil: the zero point's, else uint8.
    let outputType: ElementType?

    /// `perAxis`: whether a scale per slice along `axis` is allowed (opset 13 on).
    public init(axis: Int = 1, blockSize: Int = 0, outputType: ElementType? = nil, perAxis: Bool = true) {
        precondition(blockSize >= 0, "a negative block size")
        self.axis = QuantizationAxis(axis: axis, blockSize: blockSize, perAxis: perAxis)
        self.outputType = outputType
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let x = try inputs.required(0, name), scale = try inputs.required(1, name)
        let zeroPoint = inputs.count > 2 ? inputs[2] : nil
        guard x.type.elementType == .float32 || x.type.elementType == .int32 else {
            throw invalidInput("QuantizeLinear: x must be float32 or int32, not \(x.type.elementType)")
        }
        try inputs.requireFloat32([1], name)
        if let outputType, let zeroPoint, zeroPoint.type.elementType != outputType {
            throw invalidInput("QuantizeLinear: output_dtype is \(outputType) and the zero point \(zeroPoint.type.elementType)")
        }
        let type = levels(zeroPoint: zeroPoint?.type.elementType)
        guard type == .int8 || type == .uint8 else {
            throw invalidInput("QuantizeLinear: quantizing to \(type) is not supported (int8 and uint8 are)")
        }
        try axis.check(x.type.shape, scale: scale.type, zeroPoint: zeroPoint?.type, op: name)
        return [TensorType(type, x.type.shape)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let x = inputs.required(0), scale = inputs.required(1), zeroPoint = inputs.optional(2)
        let zeroPoints = QuantizationAxis.zeroPoints(zeroPoint, count: scale.count)
        let floats = x.elementType == .float32 ? x : try Cast(to: .float32).evaluate([x])[0]
        let source = floats.withUnsafeBufferPointer(as: Float.self) { $0.baseAddress! }
        let scales = scale.withUnsafeBufferPointer(as: Float.self) { $0.baseAddress! }
        let target = outputs[0].withUnsafeMutableBytes { $0.baseAddress! }
        let (low, high) = Self.range(outputs[0].elementType)
        zeroPoints.withUnsafeBufferPointer { zeros in
            axis.forEachRun(x.shape, scaleCount: scale.count, context) { run in
                let y = target.assumingMemoryBound(to: UInt8.self) + run.start, x = source + run.start
                if run.scaleStride == 0 {
                    let scale = scales[run.scaleStart], zero = zeros[run.scaleStart]
                    for k in 0..<run.count { y[k] = Self.quantized(x[k], scale, zero, low, high) }
                } else {
                    for k in 0..<run.count {
                        let s = run.scaleStart + k * run.scaleStride
                        y[k] = Self.quantized(x[k], scales[s], zeros[s], low, high)
                    }
                }
            }
        }
        withExtendedLifetime((floats, scale)) {}
    }

    /// One value quantized, as its 8 bits (an int8's two's complement).
    @inline(__always)
    private static func quantized(_ x: Float, _ scale: Float, _ zero: Float, _ low: Float, _ high: Float) -> UInt8 {
        UInt8(truncatingIfNeeded: Int32(level(x, scale, zero, low, high)))
    }

    /// The integer a value quantizes to, as a Float. In float, as ONNX's reference and onnxruntime
    /// compute it: a division, not a product with the reciprocal, which rounds differently at the
    /// halfway points. NaN gives the type's lowest value.
    @inline(__always)
    static func level(_ x: Float, _ scale: Float, _ zero: Float, _ low: Float, _ high: Float) -> Float {
        let value = (x / scale).rounded(.toNearestOrEven) + zero
        return value > low ? (value < high ? value : high) : low
    }

    /// The type the values quantize to: the zero point's, else output_dtype's, else uint8.
    func levels(zeroPoint: ElementType?) -> ElementType { zeroPoint ?? outputType ?? .uint8 }

    /// The lowest and highest value of 8-bit `type`.
    static func range(_ type: ElementType) -> (low: Float, high: Float) { type == .int8 ? (-128, 127) : (0, 255) }
}
