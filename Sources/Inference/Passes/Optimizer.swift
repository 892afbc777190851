// The graph rewrites run once when a session is created, in an order where each enables the next.

enum Optimizer {
    static func optimize(_ graph: Graph, packWeights: Bool = false) throws -> Graph {
        var graph = graph
        graph = try ConstantFolding.apply(graph)
        graph = RemoveIdentity.apply(graph)
        graph = FuseQuantizeDequantize.apply(graph)
        graph = FoldBatchNormIntoConv.apply(graph)
        graph = FuseBiasAddIntoConv.apply(graph)
        graph = FuseResidualAddIntoConv.apply(graph)
        graph = FuseActivation.apply(graph)
        graph = UseWinogradConvolution.apply(graph)
        if packWeights { graph = PackConvolutionWeights.apply(graph) }
        graph = RemoveDeadNodes.apply(graph)
        return graph
    }
}

extension Graph {
    /// Every value's type for a batch of two, when each graph input is fixed but for its first
    /// dimension (as vision models declare them); nil when one has another free dimension or the
    /// types cannot be worked out. Planning takes types only: no kernel runs.
    func typesForBatchOfTwo() -> [String: TensorType]? {
        var feeds: [String: Tensor] = [:]
        for input in inputs where constants[input.name] == nil {
            var shape: [Int] = []
            for (axis, dimension) in input.shape.enumerated() {
                guard let size = dimension ?? (axis == 0 ? 2 : nil) else { return nil }
                shape.append(size)
            }
            // The stand-in input is allocated: a model declaring a huge one is not worked out.
            guard let count = ShapeLimits.elementCount(shape), count <= 1 << 24 else { return nil }
            feeds[input.name] = Tensor(input.elementType, shape: shape)
        }
        return try? ExecutionPlan(graph: self, feeds: feeds).inferredTypes
    }

    /// The values of constant `name` when it is float32 of exactly `shape`: what a rewrite may
    /// read as Floats of that count (a model may give a bias of another type or length).
    func floatConstant(_ name: String, shape: [Int]) -> [Float]? {
        guard let tensor = constants[name], tensor.elementType == .float32, tensor.shape == shape else { return nil }
        return tensor.floats
    }
}
