// Maps ONNX node types to the engine's operators, one builder per op, registered by family.
import Inference

/// What a builder knows about the node it turns into an operator.
struct NodeContext {
    let attributes: Attributes
    let opset: Int
    let inputCount: Int
    let outputCount: Int
}

struct OperatorRegistry {
    typealias Builder = (NodeContext) throws -> Operator

    /// The default-domain opsets the builders implement.
    static let supportedOpsets = 7...22

    private(set) var builders: [String: Builder] = [:]

    mutating func register(_ opType: String, _ builder: @escaping Builder) { builders[opType] = builder }

    static let standard: OperatorRegistry = {
        var registry = OperatorRegistry()
        registry.registerArithmetic()
        registry.registerActivations()
        registry.registerNeuralNetwork()
        registry.registerShapeOperators()
        registry.registerQuantization()
        return registry
    }()

    var supportedTypes: [String] { builders.keys.sorted() }
}
