// Transpose: dimensions permuted by `perm` (reversed by default).

public struct Transpose: Operator {
    public let name = "Transpose"
    let perm: [Int]?

    public init(perm: [Int]? = nil) { self.perm = perm }

    func permutation(rank: Int) throws -> [Int] {
        let permutation = perm ?? Array((0..<rank).reversed())
        guard permutation.count == rank, Set(permutation) == Set(0..<rank) else {
            throw InferenceError(.invalidAttribute, "Transpose: perm \(permutation) is not a permutation of rank \(rank)")
        }
        return permutation
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let input = try inputs.required(0, name)
        let permutation = try permutation(rank: input.type.shape.count)
        return [TensorType(input.type.elementType, permutation.map { input.type.shape[$0] })]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let input = inputs.required(0)
        let permutation = try permutation(rank: input.rank)
        let inputStrides = contiguousStrides(input.shape)
        // Walk the output in order; each output axis steps the input by the stride of its source axis.
        let steps = permutation.map { inputStrides[$0] }
        gatherStrided(from: input, into: &outputs[0], steps: steps, start: 0)
    }
}

/// out[i...] = in[start + Σ index_k * steps_k] for every output index, for any element size.
func gatherStrided(from input: Tensor, into output: inout Tensor, steps: [Int], start: Int) {
    let shape = output.shape
    let count = output.count
    guard count > 0 else { return }
    let size = input.elementType.size
    let source = input.storage.pointer
    output.withUnsafeMutableBytes { destination in
        let target = destination.baseAddress!
        if shape.isEmpty { target.copyMemory(from: source + start * size, byteCount: size); return }
        var index = [Int](repeating: 0, count: shape.count)
        var offset = start
        let last = shape.count - 1
        var written = 0
        while written < count {
            // Inner loop along the last axis.
            let step = steps[last]
            switch size {
            case 4:
                let from = source.assumingMemoryBound(to: UInt32.self), to = target.assumingMemoryBound(to: UInt32.self)
                for i in 0..<shape[last] { to[written + i] = from[offset + i * step] }
            case 8:
                let from = source.assumingMemoryBound(to: UInt64.self), to = target.assumingMemoryBound(to: UInt64.self)
                for i in 0..<shape[last] { to[written + i] = from[offset + i * step] }
            default:
                let from = source.assumingMemoryBound(to: UInt8.self), to = target.assumingMemoryBound(to: UInt8.self)
                for i in 0..<shape[last] { to[written + i] = from[offset + i * step] }
            }
            written += shape[last]
            var axis = last - 1
            while axis >= 0 {
                index[axis] += 1
                offset += steps[axis]
                if index[axis] < shape[axis] { break }
                offset -= steps[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { break }
        }
    }
}
