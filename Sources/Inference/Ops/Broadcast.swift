// Numpy-style broadcasting: the output shape of two shapes, and a loop over aligned element offsets.

enum Broadcast {
    /// The broadcast shape of `a` and `b` (dimensions aligned from the right; 1 stretches).
    static func shape(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
        let rank = max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for axis in 0..<rank {
            let x = axis - (rank - a.count) >= 0 ? a[axis - (rank - a.count)] : 1
            let y = axis - (rank - b.count) >= 0 ? b[axis - (rank - b.count)] : 1
            guard x == y || x == 1 || y == 1 else {
                throw invalidInput("\(op): shapes \(a) and \(b) do not broadcast")
            }
            result[axis] = x == 1 ? y : x
        }
        return result
    }

    /// Strides of `shape` seen through `outputShape`: 0 along broadcast dimensions.
    static func strides(of shape: [Int], in outputShape: [Int]) -> [Int] {
        let own = contiguousStrides(shape)
        let offset = outputShape.count - shape.count
        return (0..<outputShape.count).map { axis in
            let source = axis - offset
            return source >= 0 && shape[source] != 1 ? own[source] : 0
        }
    }

    /// Calls `body(outputOffset, aOffset, bOffset, count, aStep, bStep)` for each run along the last axis.
    static func forEachRow(_ outputShape: [Int], _ aShape: [Int], _ bShape: [Int],
                           _ body: (Int, Int, Int, Int, Int, Int) -> Void) {
        let total = Tensor.elementCount(outputShape)
        guard total > 0 else { return }
        if outputShape.isEmpty { body(0, 0, 0, 1, 0, 0); return }
        let aStrides = strides(of: aShape, in: outputShape)
        let bStrides = strides(of: bShape, in: outputShape)
        let last = outputShape.count - 1
        let rowLength = outputShape[last]
        let rows = total / rowLength
        var index = [Int](repeating: 0, count: outputShape.count)
        var aOffset = 0, bOffset = 0
        for row in 0..<rows {
            body(row * rowLength, aOffset, bOffset, rowLength, aStrides[last], bStrides[last])
            // Advance the odometer over all axes but the last.
            var axis = last - 1
            while axis >= 0 {
                index[axis] += 1
                aOffset += aStrides[axis]
                bOffset += bStrides[axis]
                if index[axis] < outputShape[axis] { break }
                aOffset -= aStrides[axis] * outputShape[axis]
                bOffset -= bStrides[axis] * outputShape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
