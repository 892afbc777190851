// pattern: a node whose inputs are all constants → its outputs become constants.

enum ConstantFolding {
    /// Folds what can be folded. The constants all stay in memory together, so their total is
    /// bounded too, not only each tensor: a node whose outputs would take them past the memory this
    /// process may use is an error naming it, found from its output types before the outputs are
    /// made (ten folded ConstantOfShape outputs of 0.9 times the limit each passed one by one).
    static func apply(_ graph: Graph, limit: Int = MemoryLimit.bytes) throws -> Graph {
        var graph = graph
        var kept: [Node] = []
        var constantBytes = graph.constants.values.reduce(0) { $0 + $1.count * $1.elementType.size }
        for node in graph.nodes {
            let present = node.inputs.filter { !$0.isEmpty }
            guard present.allSatisfy({ graph.constants[$0] != nil }) else { kept.append(node); continue }
            let inputs = node.inputs.map { $0.isEmpty ? nil : graph.constants[$0] }
            // A node that cannot run on its constants stays, so the error surfaces with its name at run time.
            guard let types = try? node.op.checkedOutputTypes(inputs.map { $0.map(OperatorInput.init) }) else { kept.append(node); continue }
            let outputBytes = types.reduce(0) { $0 + (ShapeLimits.elementCount($1.shape) ?? 0) * $1.elementType.size }
            guard constantBytes + outputBytes <= limit else {
                throw MemoryLimit.exceeded("node '\(node.name.isEmpty ? node.op.name : node.name)' (\(node.op.name)): its folded outputs and the model's other constants",
                                           needed: constantBytes + outputBytes, limit: limit)
            }
            // What `evaluate` does, on the types already worked out.
            var results = types.map { Tensor($0.elementType, shape: $0.shape) }
            guard (try? node.op.execute(inputs, &results, .singleThreaded)) != nil else { kept.append(node); continue }
            constantBytes += outputBytes
            for (name, tensor) in zip(node.outputs, results) where !name.isEmpty { graph.constants[name] = tensor }
        }
        graph.nodes = kept
        return graph
    }
}
