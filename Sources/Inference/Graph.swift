// The graph the engine runs: nodes in topological order over named values, plus constants.

/// One operator application: named inputs ("" for an absent optional input) to named outputs.
public struct Node: Sendable {
    public var name: String
    public var op: Operator
    public var inputs: [String]
    public var outputs: [String]

    public init(name: String, op: Operator, inputs: [String], outputs: [String]) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// A graph input: its element type and shape, where nil marks a free dimension (the batch).
public struct GraphInput: Sendable, Equatable {
    public var name: String
    public var elementType: ElementType
    public var shape: [Int?]

    public init(name: String, elementType: ElementType, shape: [Int?]) {
        self.name = name
        self.elementType = elementType
        self.shape = shape
    }
}

public struct Graph: Sendable {
    /// In topological order (ONNX requires it; the loader checks it).
    public var nodes: [Node]
    public var inputs: [GraphInput]
    public var outputs: [String]
    /// Initializers and folded values.
    public var constants: [String: Tensor]

    public init(nodes: [Node], inputs: [GraphInput], outputs: [String], constants: [String: Tensor]) {
        self.nodes = nodes
        self.inputs = inputs
        self.outputs = outputs
        self.constants = constants
    }

    /// Throws for a graph whose values do not each have one writer, as ONNX requires (the ONNX
    /// loader asks; a graph built here may rewrite a name): a value that
    /// two nodes write (or a node and an input or initializer: the later write shadowed the weights),
    /// or a graph output nothing writes (every run would fail on it).
    public func checkWriters() throws(InferenceError) {
        var written = Set(inputs.map(\.name)).union(constants.keys)
        for node in nodes {
            for output in node.outputs where !output.isEmpty {
                guard written.insert(output).inserted else {
                    throw InferenceError(.invalidGraph, "node '\(node.name)' writes '\(output)', which an input, an initializer or another node already writes (ONNX allows one writer per value)")
                }
            }
        }
        if let unwritten = outputs.first(where: { !written.contains($0) }) {
            throw InferenceError(.invalidGraph, "graph output '\(unwritten)' is written by no node, input or initializer")
        }
    }

    /// How many node inputs (and graph outputs) read each value.
    func consumerCounts() -> [String: Int] {
        var counts: [String: Int] = [:]
        for node in nodes { for input in node.inputs where !input.isEmpty { counts[input, default: 0] += 1 } }
        for output in outputs { counts[output, default: 0] += 1 }
        return counts
    }
}
