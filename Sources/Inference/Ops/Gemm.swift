// Gemm: alpha * A' * B' + beta * C on float32 matrices, through cblas_sgemm.
import COpenBLAS

public struct Gemm: Operator {
    public let name = "Gemm"
    let alpha: Float, beta: Float
    let transA: Bool, transB: Bool
    /// Fused by the optimizer: an activation applied to the result.
    public var activation: Activation?

    public init(alpha: Float = 1, beta: Float = 1, transA: Bool = false, transB: Bool = false, activation: Activation? = nil) {
        self.alpha = alpha
        self.beta = beta
        self.transA = transA
        self.transB = transB
        self.activation = activation
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let a = try inputs.required(0, name).type, b = try inputs.required(1, name).type
        guard a.shape.count == 2, b.shape.count == 2, a.elementType == .float32, b.elementType == .float32 else {
            throw invalidInput("Gemm needs two float32 matrices, got \(a) and \(b)")
        }
        let (m, k) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (k2, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard k == k2 else { throw invalidInput("Gemm: inner dimensions \(k) and \(k2) differ") }
        try inputs.requireFloat32([2], name)
        if let c = inputs.count > 2 ? inputs[2] : nil {
            guard try Broadcast.shape([m, n], c.type.shape, op: name) == [m, n] else { throw invalidInput("Gemm: C \(c.type.shape) does not broadcast to [\(m), \(n)]") }
        }
        return [TensorType(.float32, [m, n])]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let a = inputs.required(0), b = inputs.required(1)
        let m = outputs[0].shape[0], n = outputs[0].shape[1]
        let k = transA ? a.shape[0] : a.shape[1]
        var beta = self.beta
        if let c = inputs.optional(2), self.beta != 0 {
            // Broadcast C into the output first; sgemm then accumulates onto it.
            let zeros = Tensor(.float32, shape: [m, n])
            binaryKernel(zeros, c, &outputs[0], Float.self) { $1 }
        } else {
            beta = 0
        }
        let output = outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { $0.baseAddress! }
        if m > 0, n > 0 {
            a.withUnsafeBufferPointer(as: Float.self) { pa in
                b.withUnsafeBufferPointer(as: Float.self) { pb in
                    if k == 0 {
                        for i in 0..<(m * n) { output[i] = beta == 0 ? 0 : output[i] * beta }
                        return
                    }
                    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                                Int32(m), Int32(n), Int32(k), alpha, pa.baseAddress, Int32(a.shape[1]),
                                pb.baseAddress, Int32(b.shape[1]), beta, output, Int32(n))
                }
            }
        }
        if let activation {
            outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { activation.apply(to: $0, context) }
        }
    }
}
