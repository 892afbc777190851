// What is known about a value before it is computed: its element type and shape.

/// Element type and shape of a tensor, as shape inference propagates them through a graph.
public struct TensorType: Equatable, Sendable, CustomStringConvertible {
    public var elementType: ElementType
    public var shape: [Int]

    public init(_ elementType: ElementType, _ shape: [Int]) {
        self.elementType = elementType
        self.shape = shape
    }

    public var description: String { "\(elementType)\(shape)" }
}

/// One input as an operator sees it: its type, and its value when known (always at run time; at plan
/// time only for constants). Operators whose output shape depends on an input's value (Reshape's
/// shape, Slice's starts) read it from `value`.
public struct OperatorInput {
    public var type: TensorType
    public var value: Tensor?

    public init(type: TensorType, value: Tensor?) {
        self.type = type
        self.value = value
    }

    public init(_ tensor: Tensor) {
        type = TensorType(tensor.elementType, tensor.shape)
        value = tensor
    }
}
