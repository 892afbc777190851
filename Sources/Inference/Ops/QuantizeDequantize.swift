// QuantizeLinear and the DequantizeLinear that reads it back, as one pass: each float goes to the
// nearest value 8 bits with that scale and zero point hold. A quantized model (QDQ) has such a
// pair on every activation; as two operators they write and read an 8-bit tensor in between.

public struct QuantizeDequantize: Operator {
    public let name = "QuantizeDequantize"
    let quantize: QuantizeLinear

    init(_ quantize: QuantizeLinear) { self.quantize = quantize }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let quantized = try quantize.outputTypes(inputs)[0]
        return [TensorType(.float32, quantized.shape)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let x = inputs.required(0), scale = inputs.required(1), zeroPoint = inputs.optional(2)
        // The types were checked when the plan was made (outputTypes).
        let (low, high) = QuantizeLinear.range(quantize.levels(zeroPoint: zeroPoint?.elementType))
        let zeroPoints = QuantizationAxis.zeroPoints(zeroPoint, count: scale.count)
        let floats = x.elementType == .float32 ? x : try Cast(to: .float32).evaluate([x])[0]
        let source = floats.withUnsafeBufferPointer(as: Float.self) { $0.baseAddress! }
        let scales = scale.withUnsafeBufferPointer(as: Float.self) { $0.baseAddress! }
        let target = outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { $0.baseAddress! }
        // (level - zero) * scale is what DequantizeLinear computes from the 8-bit value: the level is
        // a whole number in the type's range, held exactly by a Float.
        zeroPoints.withUnsafeBufferPointer { zeros in
            quantize.axis.forEachRun(x.shape, scaleCount: scale.count, context) { run in
                let y = target + run.start, x = source + run.start
                if run.scaleStride == 0 {
                    let scale = scales[run.scaleStart], zero = zeros[run.scaleStart]
                    for k in 0..<run.count { y[k] = (QuantizeLinear.level(x[k], scale, zero, low, high) - zero) * scale }
                } else {
                    for k in 0..<run.count {
                        let s = run.scaleStart + k * run.scaleStride
                        y[k] = (QuantizeLinear.level(x[k], scales[s], zeros[s], low, high) - zeros[s]) * scales[s]
                    }
                }
            }
        }
        withExtendedLifetime((floats, scale)) {}
    }
}
