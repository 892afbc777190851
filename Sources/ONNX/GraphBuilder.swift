// GraphProto → Graph: initializers, inputs, every node mapped through the registry, topological order.
import Inference

struct GraphBuilder {
    let proto: Onnx_GraphProto
    let opset: Int
    let source: String
    var registry = OperatorRegistry.standard

    func build() throws -> Graph {
        var constants: [String: Tensor] = [:]
        for initializer in proto.initializer {
            constants[initializer.name] = try Tensor(onnx: initializer, what: "initializer '\(initializer.name)'")
        }
        // Older exporters list initializers among the inputs too; those are not fed by the caller.
        let inputs = try proto.input.filter { constants[$0.name] == nil }.map(graphInput)
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
            do {
                nodes.append(Node(name: node.name, op: try builder(context), inputs: node.input, outputs: node.output))
            } catch let error as ModelError where error.code == .unsupportedOperators {
                unsupported.append("\(node.opType) (\(error.message))")
            }
        }
        guard unsupported.isEmpty else {
            throw ModelError(.unsupportedOperators, "\(source): \(unsupported.count) unsupported operator(s): \(unsupported.joined(separator: "; "))")
        }
        let sorted = try topologicallySorted(nodes, available: Set(constants.keys).union(inputs.map(\.name)))
        return Graph(nodes: sorted, inputs: inputs, outputs: proto.output.map(\.name), constants: constants)
    }

    private func graphInput(_ value: Onnx_ValueInfoProto) throws -> GraphInput {
        guard case .tensorType(let tensor)? = value.type.value else {
            throw ModelError(.invalidModel, "\(source): input '\(value.name)' is not a tensor")
        }
        guard let type = ElementType(onnx: tensor.elemType) else {
            throw ModelError(.invalidModel, "\(source): input '\(value.name)' is \(ElementType.onnxName(tensor.elemType)); float, int64, int32 and bool are supported")
        }
        // A named or missing dimension is free (the batch); a fixed one is checked at run time.
        let shape: [Int?] = tensor.shape.dim.map { dimension in
            if case .dimValue(let value)? = dimension.value, value > 0 { return Int(value) }
            return nil
        }
        return GraphInput(name: value.name, elementType: type, shape: shape)
    }

    /// Nodes in an order where every input is produced first (ONNX requires it; not every exporter complies).
    private func topologicallySorted(_ nodes: [Node], available: Set<String>) throws -> [Node] {
        var ready = available.union([""])
        var remaining = nodes
        var sorted: [Node] = []
        while !remaining.isEmpty {
            let before = remaining.count
            remaining.removeAll { node in
                guard node.inputs.allSatisfy({ ready.contains($0) }) else { return false }
                sorted.append(node)
                ready.formUnion(node.outputs)
                return true
            }
            if remaining.count == before {
                let node = remaining[0]
                let missing = node.inputs.filter { !ready.contains($0) }
                throw ModelError(.invalidModel, "\(source): node '\(node.name.isEmpty ? node.op.name : node.name)' reads \(missing.joined(separator: ", ")), which nothing produces (or a cycle)")
            }
        }
        return sorted
    }
}
