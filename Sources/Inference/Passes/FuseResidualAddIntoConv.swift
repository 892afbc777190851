// pattern: Add(Conv(x, W, b), r) with r computed before the Conv and of the Conv output's own shape
// → Conv(x, W, b, residual: r).

enum FuseResidualAddIntoConv {
    /// The fused residual is read one value per output value, so only an r of the output's shape is
    /// fused; an Add that broadcasts (r = ReduceMean(x) of shape [N, C, 1, 1], or [1, C, H, W] over
    /// a batch) stays an Add. Shapes are worked out for a batch of two; a graph whose shapes cannot
    /// be (an input with a free dimension besides the batch) is left as it is.
    static func apply(_ graph: Graph) -> Graph {
        guard let types = graph.typesForBatchOfTwo() else { return graph }
        var graph = graph
        var index = 0
        while index < graph.nodes.count {
            defer { index += 1 }
            guard var conv = graph.nodes[index].op as? Conv, conv.activation == nil, !conv.addsResidual,
                  let output = graph.nodes[index].outputs.first, let next = graph.soleConsumer(of: output),
                  graph.nodes[next].op is Add else { continue }
            let addInputs = graph.nodes[next].inputs
            guard addInputs.count == 2, graph.nodes[index].inputs.count >= 2 else { continue }
            let other = addInputs[0] == output ? addInputs[1] : addInputs[0]
            guard graph.constants[other] == nil, let residualType = types[other], residualType == types[output] else { continue }
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
