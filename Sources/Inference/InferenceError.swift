// The one error type of the engine: what was wrong, in which node, with the offending values.

public struct InferenceError: Error, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        /// An input has the wrong element type or shape for the operator.
        case invalidInput
        /// An attribute value is outside what the operator accepts.
        case invalidAttribute
        /// The operator's output shape depends on a value that is not known yet (only at plan time).
        case valueNotKnown
        /// The caller gave an input the model does not have, or left one out, or gave a wrong shape.
        case wrongModelInput
        /// The graph refers to a value nothing produces, or is otherwise malformed.
        case invalidGraph
        /// The operator or this configuration of it is not implemented.
        case unsupported
        /// A tensor would need more memory than this process may use.
        case exceedsMemory
    }

    public let code: Code
    public let message: String
    /// The node the error happened in, when there is one.
    public var node: String?

    public init(_ code: Code, _ message: String, node: String? = nil) {
        self.code = code
        self.message = message
        self.node = node
    }

    public var description: String {
        if let node { return "node '\(node)': \(message)" }
        return message
    }
}

/// Shorthand for the most common failure: an input that does not fit.
func invalidInput(_ message: String) -> InferenceError { InferenceError(.invalidInput, message) }
