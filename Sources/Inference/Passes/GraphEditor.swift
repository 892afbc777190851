// A graph under rewrite by a fusion pass. Nodes keep their indices while the pass runs (a node
// folded into its producer is marked removed and dropped at the end), and who reads and who
// produces each value is indexed once: finding a node's sole consumer costs that value's readers,
// not a scan of the graph, so a pass is linear in the graph (scans made a 50 000-node model take
// minutes to load).

struct GraphEditor {
    private(set) var graph: Graph
    private var removed: [Bool]
    /// The nodes that read each value. A node whose inputs a rewrite changed may stay listed for a
    /// value it no longer reads; `soleConsumer` skips such entries.
    private var readers: [String: [Int]] = [:]
    /// The node that produces each value.
    private(set) var producers: [String: Int] = [:]
    private let graphOutputs: Set<String>

    init(_ graph: Graph) {
        self.graph = graph
        removed = [Bool](repeating: false, count: graph.nodes.count)
        graphOutputs = Set(graph.outputs)
        for (index, node) in graph.nodes.enumerated() {
            for input in Set(node.inputs) where !input.isEmpty { readers[input, default: []].append(index) }
            for output in node.outputs where !output.isEmpty { producers[output] = index }
        }
    }

    var indices: Range<Int> { graph.nodes.indices }

    /// Whether node `index` has been folded into its producer. Loops check it as they reach each
    /// index (`for index in editor.indices where !editor.isRemoved(index)`).
    func isRemoved(_ index: Int) -> Bool { removed[index] }

    var constants: [String: Tensor] { graph.constants }

    /// Adds a constant in place (through a get-and-set the constants would be copied per fold), named
    /// `name`, or `name#2`, `#3`... when the graph already uses that name for any value, and returns
    /// the name. (Node names and value names are separate in ONNX: a name made from a node's could be
    /// another node's output, or another fold's constant, which would be overwritten.)
    mutating func addConstant(_ name: String, _ tensor: Tensor) -> String {
        func isTaken(_ candidate: String) -> Bool {
            graph.constants[candidate] != nil || readers[candidate] != nil || producers[candidate] != nil
                || graphOutputs.contains(candidate) || graph.inputs.contains { $0.name == candidate }
        }
        var unique = name
        var suffix = 2
        while isTaken(unique) {
            unique = "\(name)#\(suffix)"
            suffix += 1
        }
        graph.constants[unique] = tensor
        return unique
    }

    subscript(index: Int) -> Node { graph.nodes[index] }

    /// The index of the only node reading `value`, if exactly one node reads it, once, and no graph
    /// output is `value`.
    func soleConsumer(of value: String) -> Int? {
        guard !graphOutputs.contains(value) else { return nil }
        var found: Int?
        for index in readers[value] ?? [] where !removed[index] {
            let reads = graph.nodes[index].inputs.lazy.filter { $0 == value }.count
            if reads == 0 { continue }
            if found != nil || reads > 1 { return nil }
            found = index
        }
        return found
    }

    /// Node `next` folded into node `index`: `index` becomes `op` on `inputs` and produces what
    /// `next` produced; `next` is removed.
    mutating func fuse(_ next: Int, into index: Int, op: Operator, inputs: [String]) {
        for input in Set(inputs) where !input.isEmpty && !graph.nodes[index].inputs.contains(input) {
            readers[input, default: []].append(index)
        }
        graph.nodes[index].op = op
        graph.nodes[index].inputs = inputs
        graph.nodes[index].outputs = graph.nodes[next].outputs
        for output in graph.nodes[next].outputs where !output.isEmpty { producers[output] = index }
        removed[next] = true
    }

    /// The graph without the removed nodes.
    func finished() -> Graph {
        var result = graph
        result.nodes = graph.nodes.indices.filter { !removed[$0] }.map { graph.nodes[$0] }
        return result
    }
}
