// pattern: Identity(x) or inference Dropout(x) without a used mask → x.

enum RemoveIdentity {
    /// One pass in node order (the graph is sorted, so a value is renamed before anything reads it,
    /// and a chain of pass-throughs resolves to its start); renaming every read per removed node
    /// made a model of many Identity nodes quadratic to load.
    static func apply(_ graph: Graph) -> Graph {
        var graph = graph
        let consumers = graph.consumerCounts()
        let graphOutputs = Set(graph.outputs)
        var passedOn: [String: String] = [:]
        var kept: [Node] = []
        for var node in graph.nodes {
            node.inputs = node.inputs.map { passedOn[$0] ?? $0 }
            let maskUsed = node.outputs.count > 1 && consumers[node.outputs[1]] != nil
            let passThrough = node.op is Identity || (node.op is Dropout && !maskUsed && node.inputs.count < 3)
            // Graph outputs keep their producer so their names stay.
            if passThrough, let output = node.outputs.first, !graphOutputs.contains(output), let input = node.inputs.first, !input.isEmpty {
                passedOn[output] = input
                continue
            }
            kept.append(node)
        }
        graph.nodes = kept
        return graph
    }
}
