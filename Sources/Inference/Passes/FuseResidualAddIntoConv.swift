// pattern: Add(Conv(x, W, b), r) with r computed before the Conv and of the Conv output's own shape
// → Conv(x, W, b, residual: r).

enum FuseResidualAddIntoConv {
    /// The fused residual is read one value per output value, so only an r of the output's shape is
    /// fused; an Add that broadcasts (r = ReduceMean(x) of shape [N, C, 1, 1], or [1, C, H, W] over
    /// a batch) stays an Add. Shapes are worked out for a batch of two; a graph whose shapes cannot
    /// be (an input with a free dimension besides the batch) is left as it is.
    static func apply(_ graph: Graph) -> Graph {
        guard let types = graph.typesForBatchOfTwo() else { return graph }
        var editor = GraphEditor(graph)
        for index in editor.indices where !editor.isRemoved(index) {
            guard var conv = editor[index].op as? Conv, conv.activation == nil, !conv.addsResidual,
                  let output = editor[index].outputs.first, let next = editor.soleConsumer(of: output),
                  editor[next].op is Add else { continue }
            let addInputs = editor[next].inputs
            guard addInputs.count == 2, editor[index].inputs.count >= 2 else { continue }
            let other = addInputs[0] == output ? addInputs[1] : addInputs[0]
            guard editor.constants[other] == nil, let residualType = types[other], residualType == types[output] else { continue }
            // The residual must exist when the Conv runs: produced by an earlier node or a graph input.
            if let producer = editor.producers[other], producer >= index { continue }
            var inputs = editor[index].inputs
            while inputs.count < 3 { inputs.append("") }
            conv.addsResidual = true
            editor.fuse(next, into: index, op: conv, inputs: inputs + [other])
        }
        return editor.finished()
    }
}
