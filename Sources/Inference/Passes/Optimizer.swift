// The graph rewrites run once when a session is created, in an order where each enables the next.

enum Optimizer {
    static func optimize(_ graph: Graph) throws -> Graph {
        var graph = graph
        graph = try ConstantFolding.apply(graph)
        graph = RemoveIdentity.apply(graph)
        graph = FoldBatchNormIntoConv.apply(graph)
        graph = FuseBiasAddIntoConv.apply(graph)
        graph = FuseResidualAddIntoConv.apply(graph)
        graph = FuseActivation.apply(graph)
        graph = UseWinogradConvolution.apply(graph)
        graph = RemoveDeadNodes.apply(graph)
        return graph
    }
}

extension Graph {
    /// The index of the only node reading `value`, if exactly one node (and no graph output) reads it.
    func soleConsumer(of value: String) -> Int? {
        guard !outputs.contains(value) else { return nil }
        var found: Int? = nil
        for (index, node) in nodes.enumerated() where node.inputs.contains(value) {
            if found != nil || node.inputs.filter({ $0 == value }).count > 1 { return nil }
            found = index
        }
        return found
    }

    /// Renames every read of `old` to `new`.
    mutating func replaceReads(of old: String, with new: String) {
        for index in nodes.indices {
            nodes[index].inputs = nodes[index].inputs.map { $0 == old ? new : $0 }
        }
    }
}
