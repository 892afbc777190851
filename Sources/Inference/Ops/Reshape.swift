// Reshape: the same elements under the shape given by input 1 (0 copies a dimension, -1 is inferred).

public struct Reshape: Operator {
    public let name = "Reshape"
    /// With allowzero a 0 in the target shape is a real zero-size dimension, not "copy the input's".
    let allowZero: Bool

    public init(allowZero: Bool = false) { self.allowZero = allowZero }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let input = try inputs.required(0, name)
        guard let target = try inputs.value(1, name) else { throw invalidInput("Reshape needs a shape input") }
        return [TensorType(input.type.elementType, try Self.resolve(target.int64s.map(Int.init), from: input.type.shape, allowZero: allowZero))]
    }

    static func resolve(_ target: [Int], from shape: [Int], allowZero: Bool) throws -> [Int] {
        var result = target
        var inferred: Int? = nil
        for (axis, dimension) in target.enumerated() {
            if dimension == 0 && !allowZero {
                guard axis < shape.count else { throw invalidInput("Reshape: 0 at axis \(axis) but the input has rank \(shape.count)") }
                result[axis] = shape[axis]
            } else if dimension == -1 {
                guard inferred == nil else { throw invalidInput("Reshape: more than one -1 in \(target)") }
                inferred = axis
            } else if dimension < 0 {
                throw invalidInput("Reshape: negative dimension \(dimension) in \(target)")
            }
        }
        let count = Tensor.elementCount(shape)
        if let inferred {
            let known = result.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            guard known > 0, count % known == 0 else { throw invalidInput("Reshape: cannot infer -1 reshaping \(shape) to \(target)") }
            result[inferred] = count / known
        }
        // Counted with overflow checks: a file's dimensions may multiply past Int's range.
        guard let needed = ShapeLimits.elementCount(result) else {
            throw invalidInput("Reshape: \(shape) has \(count) elements, \(result) more than \(ShapeLimits.maximumElements)")
        }
        guard needed == count else { throw invalidInput("Reshape: \(shape) has \(count) elements, \(result) needs \(needed)") }
        return result
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        outputs[0].copyElements(from: inputs.required(0))
    }
}
