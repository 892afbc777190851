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

    /// The type of an operator over any number of inputs of one element type, broadcast together
    /// (Sum, Max, Min).
    static func variadicType(_ inputs: [OperatorInput?], op: String) throws -> TensorType {
        let present = inputs.compactMap { $0 }
        guard let first = present.first else { throw invalidInput("\(op) needs at least one input") }
        var shape = first.type.shape
        for input in present.dropFirst() {
            guard input.type.elementType == first.type.elementType else { throw invalidInput("\(op): element types differ") }
            shape = try Broadcast.shape(shape, input.type.shape, op: op)
        }
        return TensorType(first.type.elementType, shape)
    }

    /// The same broadcast over fewer axes: `a` and `b` aligned to the output's rank, axes of size 1
    /// dropped, and neighbouring axes merged where each input is either broadcast along both or
    /// along neither. [16, 512, 7, 7] times [16, 512, 1, 1] becomes [8192, 49] times [8192, 1]: rows
    /// of 49 instead of 7, a loop per row instead of per few elements.
    static func coalesced(_ outputShape: [Int], _ aShape: [Int], _ bShape: [Int]) -> (output: [Int], a: [Int], b: [Int]) {
        func aligned(_ shape: [Int]) -> [Int] { [Int](repeating: 1, count: outputShape.count - shape.count) + shape }
        let (a, b) = (aligned(aShape), aligned(bShape))
        var output: [Int] = [], mergedA: [Int] = [], mergedB: [Int] = []
        for axis in outputShape.indices where outputShape[axis] != 1 {
            if let last = output.indices.last, (mergedA[last] == 1) == (a[axis] == 1), (mergedB[last] == 1) == (b[axis] == 1) {
                output[last] *= outputShape[axis]
                mergedA[last] *= a[axis]
                mergedB[last] *= b[axis]
            } else {
                output.append(outputShape[axis])
                mergedA.append(a[axis])
                mergedB.append(b[axis])
            }
        }
        return (output, mergedA, mergedB)
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

    /// Rows (runs along the last axis) of `outputShape`.
    static func rowCount(_ outputShape: [Int]) -> Int {
        guard let last = outputShape.last, last > 0 else { return outputShape.isEmpty ? 1 : 0 }
        return Tensor.elementCount(outputShape) / last
    }

    /// Calls `body(outputOffset, aOffset, bOffset, count, aStep, bStep)` for each run along the last
    /// axis, or for the runs `rows` numbers (so that threads can take a range each).
    static func forEachRow(_ outputShape: [Int], _ aShape: [Int], _ bShape: [Int], rows: Range<Int>? = nil,
                           _ body: (Int, Int, Int, Int, Int, Int) -> Void) {
        let total = Tensor.elementCount(outputShape)
        guard total > 0 else { return }
        if outputShape.isEmpty { body(0, 0, 0, 1, 0, 0); return }
        let aStrides = strides(of: aShape, in: outputShape)
        let bStrides = strides(of: bShape, in: outputShape)
        let last = outputShape.count - 1
        let rowLength = outputShape[last]
        let rows = rows ?? 0..<rowCount(outputShape)
        // The odometer over all axes but the last, started at the first row asked for.
        var index = [Int](repeating: 0, count: outputShape.count)
        var aOffset = 0, bOffset = 0
        var rest = rows.lowerBound
        for axis in stride(from: last - 1, through: 0, by: -1) {
            index[axis] = rest % outputShape[axis]
            rest /= outputShape[axis]
            aOffset += index[axis] * aStrides[axis]
            bOffset += index[axis] * bStrides[axis]
        }
        for row in rows {
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
