// pattern: BatchNormalization(Conv(x, W, b)) with constant parameters → Conv(x, W', b').

enum FoldBatchNormIntoConv {
    static func apply(_ graph: Graph) -> Graph {
        var graph = graph
        var index = 0
        while index < graph.nodes.count {
            defer { index += 1 }
            guard var conv = graph.nodes[index].op as? Conv, conv.activation == nil, !conv.addsResidual,
                  let convOutput = graph.nodes[index].outputs.first,
                  let next = graph.soleConsumer(of: convOutput), let norm = graph.nodes[next].op as? BatchNormalization,
                  !norm.trainingMode, graph.nodes[next].outputs.count == 1, graph.nodes[next].inputs.first == convOutput else { continue }
            let convInputs = graph.nodes[index].inputs
            // Only what the fold can read as it is: float32 weights [M, ...] and four float32 [M]
            // parameters (and bias). Anything else is left to the operators, which report it.
            guard convInputs.count >= 2, let weights = graph.constants[convInputs[1]], weights.elementType == .float32,
                  weights.rank >= 3 else { continue }
            let outChannels = weights.shape[0]
            let parameters = graph.nodes[next].inputs.dropFirst().compactMap { graph.floatConstant($0, shape: [outChannels]) }
            guard graph.nodes[next].inputs.count == 5, parameters.count == 4 else { continue }
            let (multiplier, offset) = BatchNormalization.affine(scale: parameters[0], bias: parameters[1],
                                                                 mean: parameters[2], variance: parameters[3], epsilon: norm.epsilon)
            guard multiplier.count == outChannels else { continue }
            var folded = weights
            let perChannel = weights.count / max(1, outChannels)
            folded.withUnsafeMutableBufferPointer(as: Float.self) { w in
                for m in 0..<outChannels { for i in 0..<perChannel { w[m * perChannel + i] *= multiplier[m] } }
            }
            let oldBias = convInputs.count > 2 && !convInputs[2].isEmpty ? graph.floatConstant(convInputs[2], shape: [outChannels]) : nil
            if convInputs.count > 2 && !convInputs[2].isEmpty && oldBias == nil { continue }
            let bias = (0..<outChannels).map { (oldBias?[$0] ?? 0) * multiplier[$0] + offset[$0] }
            let base = graph.nodes[index].name.isEmpty ? convOutput : graph.nodes[index].name
            let weightName = "\(base)/folded_weights", biasName = "\(base)/folded_bias"
            graph.constants[weightName] = folded
            graph.constants[biasName] = Tensor(float32: bias, shape: [outChannels])
            conv.activation = nil
            graph.nodes[index].op = conv
            graph.nodes[index].inputs = [convInputs[0], weightName, biasName]
            graph.nodes[index].outputs = graph.nodes[next].outputs
            graph.nodes.remove(at: next)
        }
        return graph
    }
}
