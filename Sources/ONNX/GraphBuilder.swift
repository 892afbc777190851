// GraphProto → Graph: initializers, inputs, every node mapped through the registry, topological order.
import Inference

struct GraphBuilder {
    let proto: Onnx_GraphProto
    let opset: Int
    let source: String
    var registry = OperatorRegistry.standard

    func build() throws -> Graph {
        var constants: [String: Tensor] = [:]
        // Weights of a type the engine lacks (float16, a 4-bit or 16-bit quantization's) are listed with
        // the unsupported operators, in one message, rather than ending the load at the first.
        var unsupportedWeights: [String] = []
        for initializer in proto.initializer {
            guard ElementType(onnx: initializer.dataType) != nil else {
                unsupportedWeights.append("'\(initializer.name)' (\(ElementType.onnxName(initializer.dataType)))")
                continue
            }
            constants[initializer.name] = try Tensor(onnx: initializer, what: "initializer '\(initializer.name)'")
        }
        // Older exporters list initializers among the inputs too; those are not fed by the caller.
        let initializers = Set(proto.initializer.map(\.name))
        let inputs = try proto.input.filter { !initializers.contains($0.name) }.map(graphInput)
        var nodes: [Node] = []
        var unsupported: [String] = []
        for node in proto.node {
            let label = node.name.isEmpty ? "\(node.opType) → \(node.output.first ?? "?")" : node.name
            guard node.domain.isEmpty || node.domain == "ai.onnx" else {
                unsupported.append("\(node.domain).\(node.opType) (node '\(label)')")
                continue
            }
            guard let builder = registry.builders[node.opType] else {
                unsupported.append("\(node.opType) (node '\(label)')")
                continue
            }
            let context = NodeContext(attributes: Attributes(node), opset: opset, inputCount: node.input.count, outputCount: node.output.count)
            let built = Result { try builder(context) }
            // An attribute of the wrong type read as absent: that, not what the builder made of it.
            if let misread = context.attributes.misread.first {
                throw ModelError(.invalidModel, "\(source): node '\(label)' (\(node.opType)): attribute \(misread)")
            }
            do {
                nodes.append(Node(name: node.name, op: try built.get(), inputs: node.input, outputs: node.output))
            } catch let error as ModelError where error.code == .unsupportedOperators {
                unsupported.append("\(node.opType) (\(error.message))")
            }
        }
        guard unsupported.isEmpty, unsupportedWeights.isEmpty else {
            var parts: [String] = []
            if !unsupported.isEmpty { parts.append("\(unsupported.count) unsupported operator(s): \(unsupported.joined(separator: "; "))") }
            if !unsupportedWeights.isEmpty {
                parts.append("\(unsupportedWeights.count) weight(s) of a type the engine lacks (float, int64, int32, int8, uint8 and bool it has; "
                             + "export a float16 model in float32, quantize to 8 bits): \(unsupportedWeights.joined(separator: ", "))")
            }
            throw ModelError(unsupported.isEmpty ? .invalidModel : .unsupportedOperators, "\(source): \(parts.joined(separator: "; and "))")
        }
        let sorted = try topologicallySorted(nodes, available: Set(constants.keys).union(inputs.map(\.name)))
        let graph = Graph(nodes: sorted, inputs: inputs, outputs: proto.output.map(\.name), constants: constants)
        do { try graph.checkWriters() } catch { throw ModelError(.invalidModel, "\(source): \(error)") }
        return graph
    }

    private func graphInput(_ value: Onnx_ValueInfoProto) throws -> GraphInput {
        guard case .tensorType(let tensor)? = value.type.value else {
            throw ModelError(.invalidModel, "\(source): input '\(value.name)' is not a tensor")
        }
        guard let type = ElementType(onnx: tensor.elemType) else {
            throw ModelError(.invalidModel, "\(source): input '\(value.name)' is \(ElementType.onnxName(tensor.elemType)); float, int64, int32, int8, uint8 and bool are supported")
        }
        // A named or missing dimension is free (the batch); a fixed one is checked at run time.
        let shape: [Int?] = tensor.shape.dim.map { dimension in
            if case .dimValue(let value)? = dimension.value, value > 0 { return Int(value) }
            return nil
        }
        return GraphInput(name: value.name, elementType: type, shape: shape)
    }

    /// Nodes in an order where every input is produced first (ONNX requires it; not every exporter
    /// complies). Nodes keep their order where it is valid; a node read before its inputs exist waits
    /// and follows the node that completes them. Linear in nodes and edges: repeated passes over the
    /// waiting nodes took one pass per node of a model listed in reverse, minutes for 50 000 nodes.
    private func topologicallySorted(_ nodes: [Node], available: Set<String>) throws -> [Node] {
        var ready = available.union([""])
        var missingInputs = [Int](repeating: 0, count: nodes.count)
        var consumers: [String: [Int]] = [:]
        for (index, node) in nodes.enumerated() {
            for input in Set(node.inputs) where !ready.contains(input) {
                missingInputs[index] += 1
                consumers[input, default: []].append(index)
            }
        }
        var sorted: [Node] = []
        sorted.reserveCapacity(nodes.count)
        var completed: [Int] = []
        for index in nodes.indices where missingInputs[index] == 0 {
            completed.append(index)
            while let next = completed.popLast() {
                sorted.append(nodes[next])
                for output in nodes[next].outputs where ready.insert(output).inserted {
                    // Reversed onto the stack, so that waiters come out in the order they are listed.
                    for consumer in (consumers[output] ?? []).reversed() {
                        missingInputs[consumer] -= 1
                        // Later nodes are taken in their turn; earlier ones waited for this output.
                        if missingInputs[consumer] == 0 && consumer < index { completed.append(consumer) }
                    }
                }
            }
        }
        if let stuck = nodes.indices.first(where: { missingInputs[$0] > 0 }) {
            let node = nodes[stuck]
            let missing = node.inputs.filter { !ready.contains($0) }
            throw ModelError(.invalidModel, "\(source): node '\(node.name.isEmpty ? node.op.name : node.name)' reads \(missing.joined(separator: ", ")), which nothing produces (or a cycle)")
        }
        return sorted
    }
}
