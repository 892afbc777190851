// pattern: Relu / Clip / LeakyRelu / HardSwish / ... (Conv or Gemm) → the Conv or Gemm with an epilogue.

enum FuseActivation {
    static func apply(_ graph: Graph) -> Graph {
        var graph = graph
        var index = 0
        while index < graph.nodes.count {
            defer { index += 1 }
            guard let output = graph.nodes[index].outputs.first, graph.nodes[index].outputs.count == 1,
                  let next = graph.soleConsumer(of: output), let activation = activation(of: graph.nodes[next], graph) else { continue }
            if var conv = graph.nodes[index].op as? Conv, conv.activation == nil {
                conv.activation = activation
                graph.nodes[index].op = conv
            } else if var gemm = graph.nodes[index].op as? Gemm, gemm.activation == nil {
                gemm.activation = activation
                graph.nodes[index].op = gemm
            } else {
                continue
            }
            graph.nodes[index].outputs = graph.nodes[next].outputs
            graph.nodes.remove(at: next)
        }
        return graph
    }

    /// The activation a node applies, when it is a pointwise one with constant parameters.
    static func activation(of node: Node, _ graph: Graph) -> Activation? {
        if let op = node.op as? ActivationOperator { return op.activation }
        if let clip = node.op as? Clip {
            let bounds = [1, 2].map { i -> Float?? in
                guard i < node.inputs.count, !node.inputs[i].isEmpty else { return .some(nil) }
                guard let value = graph.constants[node.inputs[i]] else { return nil }
                return .some(value.floats.first)
            }
            guard let low = bounds[0], let high = bounds[1] else { return nil }
            return .clip(min: low ?? clip.attributeMin ?? -.infinity, max: high ?? clip.attributeMax ?? .infinity)
        }
        return nil
    }
}
