// MatMul: numpy matrix product (1-D operands promoted, batch dimensions broadcast), through cblas_sgemm.
import COpenBLAS

public struct MatMul: Operator {
    public let name = "MatMul"
    public init() {}

    /// Batch shape, m, k, n and the output shape.
    func layout(_ a: [Int], _ b: [Int]) throws -> (batch: [Int], m: Int, k: Int, n: Int, output: [Int]) {
        guard !a.isEmpty, !b.isEmpty else { throw invalidInput("MatMul does not take scalars") }
        let a2 = a.count == 1 ? [1] + a : a, b2 = b.count == 1 ? b + [1] : b
        let m = a2[a2.count - 2], k = a2[a2.count - 1], k2 = b2[b2.count - 2], n = b2[b2.count - 1]
        guard k == k2 else { throw invalidInput("MatMul: inner dimensions of \(a) and \(b) differ") }
        let batch = try Broadcast.shape(Array(a2.dropLast(2)), Array(b2.dropLast(2)), op: name)
        var output = batch
        if a.count > 1 { output.append(m) }
        if b.count > 1 { output.append(n) }
        return (batch, m, k, n, output)
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let a = try inputs.required(0, name).type, b = try inputs.required(1, name).type
        guard a.elementType == .float32, b.elementType == .float32 else { throw invalidInput("MatMul takes float32") }
        return [TensorType(.float32, try layout(a.shape, b.shape).output)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let a = inputs.required(0), b = inputs.required(1)
        let (batch, m, k, n, _) = try layout(a.shape, b.shape)
        let aBatch = Array((a.rank == 1 ? [1] + a.shape : a.shape).dropLast(2))
        let bBatch = Array((b.rank == 1 ? b.shape + [1] : b.shape).dropLast(2))
        let aStrides = Broadcast.strides(of: aBatch, in: batch), bStrides = Broadcast.strides(of: bBatch, in: batch)
        let batches = Tensor.elementCount(batch)
        let output = outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { $0.baseAddress! }
        guard m > 0, n > 0, batches > 0 else { return }
        // With k = 0 the product is all zeros; the output's storage may hold an earlier value.
        if k == 0 { output.update(repeating: 0, count: batches * m * n); return }
        a.withUnsafeBufferPointer(as: Float.self) { pa in
            b.withUnsafeBufferPointer(as: Float.self) { pb in
                var index = [Int](repeating: 0, count: batch.count)
                for item in 0..<batches {
                    var aOffset = 0, bOffset = 0
                    for axis in 0..<batch.count { aOffset += index[axis] * aStrides[axis]; bOffset += index[axis] * bStrides[axis] }
                    if k > 0 {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                                    pa.baseAddress! + aOffset * m * k, Int32(k), pb.baseAddress! + bOffset * k * n, Int32(n),
                                    0, output + item * m * n, Int32(n))
                    }
                    advance(&index, in: batch)
                }
            }
        }
    }
}
