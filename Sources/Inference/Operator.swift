// The three faces of every operator: a name, an output-type function and a kernel.

/// An operator of the graph: stateless, configured by its attributes at load time.
public protocol Operator: Sendable {
    /// The ONNX op type name, for messages.
    var name: String { get }

    /// Output types for the given inputs (`nil` for an absent optional input). Throws `.valueNotKnown`
    /// when the shape depends on an input value not known at plan time.
    func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType]

    /// Computes the outputs into `outputs`, which the executor allocated with the types from
    /// `outputTypes`. Their storage may be reused from an earlier value: kernels write every element.
    func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws
}

extension Operator {
    /// Runs the operator once, allocating its outputs: for tests, constant folding and small graphs.
    public func evaluate(_ inputs: [Tensor?], context: KernelContext = .singleThreaded) throws -> [Tensor] {
        let types = try checkedOutputTypes(inputs.map { $0.map(OperatorInput.init) })
        var outputs = types.map { Tensor($0.elementType, shape: $0.shape) }
        try execute(inputs, &outputs, context)
        return outputs
    }
}

// MARK: - Helpers operators share for reading their inputs

extension Array where Element == OperatorInput? {
    /// The input at `index`, which must be present.
    func required(_ index: Int, _ op: String) throws -> OperatorInput {
        guard index < count, let input = self[index] else { throw invalidInput("\(op) needs input \(index)") }
        return input
    }

    /// Throws unless each input at `indices` that is present holds float32: kernels read them as
    /// Float, and a bool or int8 tensor has fewer bytes than they would read or write.
    func requireFloat32(_ indices: [Int], _ op: String) throws {
        for index in indices where index < count {
            if let input = self[index], input.type.elementType != .float32 {
                throw invalidInput("\(op): input \(index) must be float32, not \(input.type.elementType)")
            }
        }
    }

    /// The value of the input at `index` (needed to know the output shape), if the input is present.
    func value(_ index: Int, _ op: String) throws -> Tensor? {
        guard index < count, let input = self[index] else { return nil }
        guard let value = input.value else {
            throw InferenceError(.valueNotKnown, "\(op) needs the value of input \(index) to know its output shape")
        }
        return value
    }
}

extension Array where Element == Tensor? {
    func required(_ index: Int) -> Tensor { self[index]! }
    func optional(_ index: Int) -> Tensor? { index < count ? self[index] : nil }
}

/// Resolves a possibly negative axis against `rank`.
func normalizedAxis(_ axis: Int, rank: Int, op: String) throws -> Int {
    let resolved = axis < 0 ? axis + rank : axis
    guard resolved >= 0, resolved < rank else {
        throw InferenceError(.invalidAttribute, "\(op): axis \(axis) is out of range for rank \(rank)")
    }
    return resolved
}

/// Moves `index` (over the first `index.count` axes of `shape`) to the next position in row-major
/// order, back to all zeros after the last.
func advance(_ index: inout [Int], in shape: [Int]) {
    var axis = index.count - 1
    while axis >= 0 {
        index[axis] += 1
        if index[axis] < shape[axis] { return }
        index[axis] = 0
        axis -= 1
    }
}

/// Row-major strides of `shape`.
func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var step = 1
    for axis in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[axis] = step
        step *= shape[axis]
    }
    return strides
}
