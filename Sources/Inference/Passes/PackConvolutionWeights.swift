// pattern: Conv or WinogradConv with constant float32 weights whose output channels per group are a
// multiple of 8 → the same op reading them packed for the AVX-512 products (PackedGEMM), which
// spare OpenBLAS's copy of them at every call. Runs last: the rewrites before it read weights in
// ONNX's layout.

enum PackConvolutionWeights {
    static func apply(_ graph: Graph) -> Graph {
        var graph = graph
        // Weights read by several convolutions are packed once (panels do not depend on the group).
        var packedNames: [String: String] = [:]
        var taken = Set(graph.constants.keys).union(graph.inputs.map(\.name)).union(graph.nodes.flatMap(\.outputs))
        for index in graph.nodes.indices where graph.nodes[index].inputs.count >= 2 {
            let name = graph.nodes[index].inputs[1]
            guard let weights = graph.constants[name], weights.elementType == .float32, weights.shape.count >= 3 else { continue }
            var packedName = packedNames[name] ?? name + "/packed"
            // A name the model itself uses is not taken over.
            while packedNames[name] == nil && taken.contains(packedName) { packedName += "'" }
            if var conv = graph.nodes[index].op as? Conv {
                let outChannels = weights.shape[0], group = conv.group
                // Depthwise convolutions (one output channel per group) have loops of their own.
                guard !conv.weightsPacked, group > 0, outChannels % group == 0, (outChannels / group) % PackedGEMM.panelRows == 0 else { continue }
                let columns = weights.count / Swift.max(1, outChannels)
                if packedNames[name] == nil {
                    graph.constants[packedName] = PackedGEMM.pack(weights, count: group, rows: outChannels / group, columns: columns)
                }
                conv.weightsPacked = true
                graph.nodes[index].op = conv
            } else if var winograd = graph.nodes[index].op as? WinogradConv {
                // U is 16 matrices, one per tile position, of output by input channels.
                let (positions, outChannels, inChannels) = (weights.shape[0], weights.shape[1], weights.shape[2])
                guard !winograd.filtersPacked, weights.shape.count == 3, outChannels % PackedGEMM.panelRows == 0 else { continue }
                if packedNames[name] == nil {
                    graph.constants[packedName] = PackedGEMM.pack(weights, count: positions, rows: outChannels, columns: inChannels)
                }
                winograd.filtersPacked = true
                graph.nodes[index].op = winograd
            } else {
                continue
            }
            packedNames[name] = packedName
            taken.insert(packedName)
            graph.nodes[index].inputs[1] = packedName
        }
        return graph
    }
}
