// pattern: Identity(x) or inference Dropout(x) without a used mask → x.

enum RemoveIdentity {
    static func apply(_ graph: Graph) -> Graph {
        var graph = graph
        let consumers = graph.consumerCounts()
        var index = 0
        while index < graph.nodes.count {
            let node = graph.nodes[index]
            let maskUsed = node.outputs.count > 1 && consumers[node.outputs[1]] != nil
            let passThrough = node.op is Identity || (node.op is Dropout && !maskUsed && node.inputs.count < 3)
            // Graph outputs keep their producer so their names stay.
            if passThrough, let output = node.outputs.first, !graph.outputs.contains(output), let input = node.inputs.first, !input.isEmpty {
                graph.nodes.remove(at: index)
                graph.replaceReads(of: output, with: input)
                continue
            }
            index += 1
        }
        return graph
    }
}
