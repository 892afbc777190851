// pattern: Relu / Clip / LeakyRelu / HardSwish / ... (Conv or Gemm) → the Conv or Gemm with an epilogue.

enum FuseActivation {
    static func apply(_ graph: Graph) -> Graph {
        var editor = GraphEditor(graph)
        for index in editor.indices where !editor.isRemoved(index) {
            let node = editor[index]
            guard node.op is Conv || node.op is Gemm, let output = node.outputs.first, node.outputs.count == 1,
                  let next = editor.soleConsumer(of: output), let activation = activation(of: editor[next], editor.graph) else { continue }
            if var conv = node.op as? Conv, conv.activation == nil {
                conv.activation = activation
                editor.fuse(next, into: index, op: conv, inputs: node.inputs)
            } else if var gemm = node.op as? Gemm, gemm.activation == nil {
                gemm.activation = activation
                editor.fuse(next, into: index, op: gemm, inputs: node.inputs)
            }
        }
        return editor.finished()
    }

    /// The activation a node applies, when it is a pointwise one with constant parameters.
    static func activation(of node: Node, _ graph: Graph) -> Activation? {
        if let op = node.op as? ActivationOperator { return op.activation }
        if let clip = node.op as? Clip {
            let bounds = [1, 2].map { i -> Float?? in
                guard i < node.inputs.count, !node.inputs[i].isEmpty else { return .some(nil) }
                // Only a one-element float32 bound is read here; any other is left to Clip, which
                // refuses it by name.
                guard let value = graph.constants[node.inputs[i]], value.elementType == .float32, value.count == 1 else { return nil }
                return .some(value.floats.first)
            }
            guard let low = bounds[0], let high = bounds[1] else { return nil }
            return .clip(min: low ?? clip.attributeMin ?? -.infinity, max: high ?? clip.attributeMax ?? .infinity)
        }
        return nil
    }
}
