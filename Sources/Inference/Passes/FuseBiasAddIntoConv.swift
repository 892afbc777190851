// pattern: Add(Conv(x, W, b), c) with c a constant of one value per output channel → Conv(x, W, b + c).

enum FuseBiasAddIntoConv {
    static func apply(_ graph: Graph) -> Graph {
        var graph = graph
        var index = 0
        while index < graph.nodes.count {
            defer { index += 1 }
            guard let conv = graph.nodes[index].op as? Conv, conv.activation == nil, !conv.addsResidual,
                  let output = graph.nodes[index].outputs.first, let next = graph.soleConsumer(of: output),
                  graph.nodes[next].op is Add else { continue }
            let addInputs = graph.nodes[next].inputs, convInputs = graph.nodes[index].inputs
            guard addInputs.count == 2, convInputs.count >= 2 else { continue }
            let other = addInputs[0] == output ? addInputs[1] : addInputs[0]
            guard let constant = graph.constants[other], constant.elementType == .float32,
                  let weights = graph.constants[convInputs[1]], weights.rank >= 3 else { continue }
            let channels = weights.shape[0], rank = weights.rank
            // [M, 1, ..., 1] or [1, M, 1, ..., 1] (up to the output's rank) broadcasts as a bias.
            let dims = constant.shape.drop { $0 == 1 && constant.rank > rank - 1 }
            guard constant.count == channels, Array(dims).first == channels, dims.dropFirst().allSatisfy({ $0 == 1 }),
                  constant.rank <= rank, dims.count == rank - 1 else { continue }
            let oldBias = convInputs.count > 2 && !convInputs[2].isEmpty ? graph.floatConstant(convInputs[2], shape: [channels]) : nil
            if convInputs.count > 2 && !convInputs[2].isEmpty && oldBias == nil { continue }
            let values = constant.floats
            let biasName = "\(output)/fused_bias"
            graph.constants[biasName] = Tensor(float32: (0..<channels).map { (oldBias?[$0] ?? 0) + values[$0] }, shape: [channels])
            graph.nodes[index].inputs = [convInputs[0], convInputs[1], biasName]
            graph.nodes[index].outputs = graph.nodes[next].outputs
            graph.nodes.remove(at: next)
        }
        return graph
    }
}
