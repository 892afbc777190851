// pattern: a node whose inputs are all constants → its outputs become constants.

enum ConstantFolding {
    static func apply(_ graph: Graph) throws -> Graph {
        var graph = graph
        var kept: [Node] = []
        for node in graph.nodes {
            let present = node.inputs.filter { !$0.isEmpty }
            guard present.allSatisfy({ graph.constants[$0] != nil }) else { kept.append(node); continue }
            let inputs = node.inputs.map { $0.isEmpty ? nil : graph.constants[$0] }
            // A node that cannot run on its constants stays, so the error surfaces with its name at run time.
            guard let results = try? node.op.evaluate(inputs) else { kept.append(node); continue }
            for (name, tensor) in zip(node.outputs, results) where !name.isEmpty { graph.constants[name] = tensor }
        }
        graph.nodes = kept
        return graph
    }
}
