// pattern: Conv(x, W 3x3 constant, b) with stride 1, dilation 1, one group and enough channels
// → WinogradConv(x, U = transformed W, b), keeping the fused residual and activation.

enum UseWinogradConvolution {
    /// Below this many input or output channels the 16 products are too small for sgemm to beat im2col.
    static let minimumChannels = 16

    static func apply(_ graph: Graph) -> Graph {
        var graph = graph
        for index in graph.nodes.indices {
            guard let conv = graph.nodes[index].op as? Conv, conv.group == 1, graph.nodes[index].inputs.count >= 2,
                  let weights = graph.constants[graph.nodes[index].inputs[1]], weights.elementType == .float32,
                  weights.shape.count == 4, weights.shape[2] == 3, weights.shape[3] == 3,
                  weights.shape[0] >= minimumChannels, weights.shape[1] >= minimumChannels,
                  conv.geometry.kernel.isEmpty || conv.geometry.kernel == [3, 3],
                  (conv.geometry.strides ?? [1, 1]) == [1, 1], (conv.geometry.dilations ?? [1, 1]) == [1, 1] else { continue }
            let (outChannels, inChannels) = (weights.shape[0], weights.shape[1])
            let name = graph.nodes[index].inputs[1] + "/winograd"
            graph.constants[name] = weights.withUnsafeBufferPointer(as: Float.self) {
                WinogradTransforms.filters($0.baseAddress!, outChannels: outChannels, inChannels: inChannels)
            }
            var geometry = conv.geometry
            geometry.kernel = [3, 3]
            graph.nodes[index].op = WinogradConv(geometry: geometry, activation: conv.activation, addsResidual: conv.addsResidual)
            graph.nodes[index].inputs[1] = name
        }
        return graph
    }
}
