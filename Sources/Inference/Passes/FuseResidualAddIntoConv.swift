// pattern: Add(Conv(x, W, b), r) with r computed before the Conv → Conv(x, W, b, residual: r).

enum FuseResidualAddIntoConv {
    static func apply(_ graph: Graph) -> Graph {
        var graph = graph
        var index = 0
        while index < graph.nodes.count {
            defer { index += 1 }
            guard var conv = graph.nodes[index].op as? Conv, conv.activation == nil, !conv.addsResidual,
                  let output = graph.nodes[index].outputs.first, let next = graph.soleConsumer(of: output),
                  graph.nodes[next].op is Add else { continue }
            let addInputs = graph.nodes[next].inputs
            let other = addInputs[0] == output ? addInputs[1] : addInputs[0]
            guard graph.constants[other] == nil else { continue }
            // The residual must exist when the Conv runs: produced by an earlier node or a graph input.
            let producers = graph.producers()
            if let producer = producers[other], producer >= index { continue }
            var inputs = graph.nodes[index].inputs
            while inputs.count < 3 { inputs.append("") }
            conv.addsResidual = true
            graph.nodes[index].op = conv
            graph.nodes[index].inputs = inputs + [other]
            graph.nodes[index].outputs = graph.nodes[next].outputs
            graph.nodes.remove(at: next)
        }
        return graph
    }
}
