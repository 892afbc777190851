// Registry entries: QuantizeLinear and DequantizeLinear, with which quantized models in the QDQ
// format (onnxruntime's quantize_static) mark the 8-bit tensors around float operators.
import Inference

extension OperatorRegistry {
    mutating func registerQuantization() {
        register("QuantizeLinear") { node in
            let a = node.attributes
            let (axis, blockSize) = try Self.quantizationAxis(node)
            var outputType: ElementType?
            if let code = a.int("output_dtype"), code != 0 {
                guard let type = Int32(exactly: code).flatMap(ElementType.init(onnx:)), type == .int8 || type == .uint8 else {
                    throw ModelError(.unsupportedOperators, "node '\(a.node)': QuantizeLinear to \(Int32(exactly: code).map(ElementType.onnxName) ?? "type \(code)") is not supported (int8 and uint8 are)")
                }
                outputType = type
            }
            return QuantizeLinear(axis: axis, blockSize: blockSize, outputType: outputType, perAxis: node.opset >= 13)
        }
        register("DequantizeLinear") { node in
            let (axis, blockSize) = try Self.quantizationAxis(node)
            return DequantizeLinear(axis: axis, blockSize: blockSize, perAxis: node.opset >= 13)
        }
    }

    /// The axis (opset 13) and block size (opset 21) of a QuantizeLinear or DequantizeLinear node.
    private static func quantizationAxis(_ node: NodeContext) throws -> (axis: Int, blockSize: Int) {
        let a = node.attributes
        // Blocks came in opset 21; an attribute of that name before it is not part of the operator.
        let blockSize = node.opset >= 21 ? a.int("block_size", default: 0) : 0
        guard blockSize >= 0 else { throw ModelError(.invalidModel, "node '\(a.node)': block_size \(blockSize) is negative") }
        return (a.int("axis", default: 1), blockSize)
    }
}
