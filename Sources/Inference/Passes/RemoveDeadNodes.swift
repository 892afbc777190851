// pattern: a node none of whose outputs is read → removed; constants nobody reads → dropped.

enum RemoveDeadNodes {
    static func apply(_ graph: Graph) -> Graph {
        var graph = graph
        var needed = Set(graph.outputs)
        var kept: [Node] = []
        for node in graph.nodes.reversed() where node.outputs.contains(where: { needed.contains($0) }) {
            kept.append(node)
            for input in node.inputs where !input.isEmpty { needed.insert(input) }
        }
        graph.nodes = kept.reversed()
        graph.constants = graph.constants.filter { needed.contains($0.key) }
        return graph
    }
}
