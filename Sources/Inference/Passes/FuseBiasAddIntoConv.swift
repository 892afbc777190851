// pattern: Add(Conv(x, W, b), c) with c a constant of one value per output channel → Conv(x, W, b + c).

enum FuseBiasAddIntoConv {
    static func apply(_ graph: Graph) -> Graph {
        var editor = GraphEditor(graph)
        for index in editor.indices where !editor.isRemoved(index) {
            guard let conv = editor[index].op as? Conv, conv.activation == nil, !conv.addsResidual,
                  let output = editor[index].outputs.first, let next = editor.soleConsumer(of: output),
                  editor[next].op is Add else { continue }
            let addInputs = editor[next].inputs, convInputs = editor[index].inputs
            guard addInputs.count == 2, convInputs.count >= 2 else { continue }
            let other = addInputs[0] == output ? addInputs[1] : addInputs[0]
            guard let constant = editor.constants[other], constant.elementType == .float32,
                  let weights = editor.constants[convInputs[1]], weights.rank >= 3 else { continue }
            let channels = weights.shape[0], rank = weights.rank
            // [M, 1, ..., 1] or [1, M, 1, ..., 1] (up to the output's rank) broadcasts as a bias.
            let dims = constant.shape.drop { $0 == 1 && constant.rank > rank - 1 }
            guard constant.count == channels, Array(dims).first == channels, dims.dropFirst().allSatisfy({ $0 == 1 }),
                  constant.rank <= rank, dims.count == rank - 1 else { continue }
            let oldBias = convInputs.count > 2 && !convInputs[2].isEmpty ? editor.graph.floatConstant(convInputs[2], shape: [channels]) : nil
            if convInputs.count > 2 && !convInputs[2].isEmpty && oldBias == nil { continue }
            let values = constant.floats
            let biasName = editor.addConstant("\(output)/fused_bias", Tensor(float32: (0..<channels).map { (oldBias?[$0] ?? 0) + values[$0] }, shape: [channels]))
            editor.fuse(next, into: index, op: conv, inputs: [convInputs[0], convInputs[1], biasName])
        }
        return editor.finished()
    }
}
