// pattern: BatchNormalization(Conv(x, W, b)) with constant parameters → Conv(x, W', b').

enum FoldBatchNormIntoConv {
    static func apply(_ graph: Graph) -> Graph {
        var editor = GraphEditor(graph)
        for index in editor.indices where !editor.isRemoved(index) {
            guard var conv = editor[index].op as? Conv, conv.activation == nil, !conv.addsResidual,
                  let convOutput = editor[index].outputs.first,
                  let next = editor.soleConsumer(of: convOutput), let norm = editor[next].op as? BatchNormalization,
                  !norm.trainingMode, editor[next].outputs.count == 1, editor[next].inputs.first == convOutput else { continue }
            let convInputs = editor[index].inputs
            // Only what the fold can read as it is: float32 weights [M, ...] and four float32 [M]
            // parameters (and bias). Anything else is left to the operators, which report it.
            guard convInputs.count >= 2, let weights = editor.constants[convInputs[1]], weights.elementType == .float32,
                  weights.rank >= 3 else { continue }
            let outChannels = weights.shape[0]
            let parameters = editor[next].inputs.dropFirst().compactMap { editor.graph.floatConstant($0, shape: [outChannels]) }
            guard editor[next].inputs.count == 5, parameters.count == 4 else { continue }
            let (multiplier, offset) = BatchNormalization.affine(scale: parameters[0], bias: parameters[1],
                                                                 mean: parameters[2], variance: parameters[3], epsilon: norm.epsilon)
            guard multiplier.count == outChannels else { continue }
            var folded = weights
            let perChannel = weights.count / max(1, outChannels)
            folded.withUnsafeMutableBufferPointer(as: Float.self) { w in
                for m in 0..<outChannels { for i in 0..<perChannel { w[m * perChannel + i] *= multiplier[m] } }
            }
            let oldBias = convInputs.count > 2 && !convInputs[2].isEmpty ? editor.graph.floatConstant(convInputs[2], shape: [outChannels]) : nil
            if convInputs.count > 2 && !convInputs[2].isEmpty && oldBias == nil { continue }
            let bias = (0..<outChannels).map { (oldBias?[$0] ?? 0) * multiplier[$0] + offset[$0] }
            let base = editor[index].name.isEmpty ? convOutput : editor[index].name
            let weightName = editor.addConstant("\(base)/folded_weights", folded)
            let biasName = editor.addConstant("\(base)/folded_bias", Tensor(float32: bias, shape: [outChannels]))
            conv.activation = nil
            editor.fuse(next, into: index, op: conv, inputs: [convInputs[0], weightName, biasName])
        }
        return editor.finished()
    }
}
