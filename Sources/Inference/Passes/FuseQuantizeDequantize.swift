// pattern: QuantizeLinear → DequantizeLinear with the same scale and zero point → QuantizeDequantize.

enum FuseQuantizeDequantize {
    static func apply(_ graph: Graph) -> Graph {
        var editor = GraphEditor(graph)
        for index in editor.indices where !editor.isRemoved(index) {
            let node = editor[index]
            guard let quantize = node.op as? QuantizeLinear, let output = node.outputs.first, node.outputs.count == 1,
                  let next = editor.soleConsumer(of: output), let dequantize = editor[next].op as? DequantizeLinear,
                  editor[next].inputs.first == output, dequantize.axis == quantize.axis,
                  sameParameters(node.inputs, editor[next].inputs, editor.graph) else { continue }
            editor.fuse(next, into: index, op: QuantizeDequantize(quantize), inputs: node.inputs)
        }
        return editor.finished()
    }

    /// Scale and zero point (inputs 1 and 2) are the same values, or both absent: onnxruntime's
    /// quantizer gives a pair the same initializers; another tool may give equal copies.
    private static func sameParameters(_ quantize: [String], _ dequantize: [String], _ graph: Graph) -> Bool {
        for position in 1...2 {
            let a = position < quantize.count ? quantize[position] : "", b = position < dequantize.count ? dequantize[position] : ""
            if a == b { continue }
            guard let x = graph.constants[a], let y = graph.constants[b], x.elementType == y.elementType, x.shape == y.shape,
                  x.withUnsafeBytes({ Array($0) }) == y.withUnsafeBytes({ Array($0) }) else { return false }
        }
        return true
    }
}
