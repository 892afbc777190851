// Conv: 1-D, 2-D and 3-D convolution with groups, through sgemm (im2col, or directly for 1x1) or a
// depthwise loop; the optimizer fuses bias, a residual Add and an activation into it.
import COpenBLAS

public struct Conv: Operator {
    public let name = "Conv"
    public var geometry: WindowGeometry
    public let group: Int
    /// Fused: an activation applied last.
    public var activation: Activation?
    /// Fused: input 3 is a tensor of the output's shape added before the activation (a residual Add).
    public var addsResidual = false

    public init(geometry: WindowGeometry, group: Int = 1, activation: Activation? = nil) {
        self.geometry = geometry
        self.group = group
        self.activation = activation
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let x = try inputs.required(0, name).type, w = try inputs.required(1, name).type
        guard x.elementType == .float32, w.elementType == .float32, x.shape.count >= 3, w.shape.count == x.shape.count else {
            throw invalidInput("Conv needs float32 input N x C x spatial and weights M x C/group x kernel, got \(x) and \(w)")
        }
        guard group > 0, x.shape[1] == w.shape[1] * group, w.shape[0] % group == 0 else {
            throw invalidInput("Conv: \(x.shape[1]) input channels do not match weights \(w.shape) with group \(group)")
        }
        var geometry = self.geometry
        if geometry.kernel.isEmpty { geometry.kernel = Array(w.shape[2...]) }
        guard geometry.kernel == Array(w.shape[2...]) else { throw invalidInput("Conv: kernel_shape \(geometry.kernel) differs from weights \(w.shape)") }
        let resolved = try geometry.resolve(spatial: Array(x.shape[2...]), op: name)
        if let bias = inputs.count > 2 ? inputs[2] : nil, bias.type.shape != [w.shape[0]] {
            throw invalidInput("Conv: bias \(bias.type.shape) must have \(w.shape[0]) elements")
        }
        return [TensorType(.float32, [x.shape[0], w.shape[0]] + resolved.output.suffix(x.shape.count - 2))]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let x = inputs.required(0), w = inputs.required(1)
        var geometry = self.geometry
        if geometry.kernel.isEmpty { geometry.kernel = Array(w.shape[2...]) }
        let g = try geometry.resolve(spatial: Array(x.shape[2...]), op: name)
        let batch = x.shape[0], inChannels = x.shape[1], outChannels = w.shape[0]
        let groupIn = inChannels / group, groupOut = outChannels / group
        let rows = groupIn * g.kernelCount, outputCount = g.outputCount, inputCount = g.inputCount
        let pointwise = g.kernelCount == 1 && g.strides == [1, 1, 1] && g.padBegin == [0, 0, 0] && g.padEnd == [0, 0, 0]
        let depthwise = groupIn == 1 && groupOut == 1 && group > 1
        let px = x.withUnsafeBufferPointer(as: Float.self) { $0.baseAddress! }
        let pw = w.withUnsafeBufferPointer(as: Float.self) { $0.baseAddress! }
        let py = outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { $0.baseAddress! }
        guard outputCount > 0, batch > 0 else { return }
        if depthwise {
            DepthwiseConv.run(px, pw, py, batch: batch, channels: inChannels, g, context)
        } else if batch > 1 && outputCount < 1024 {
            // Small feature maps make thin matrices; putting the batch's images side by side gives
            // sgemm one wide product per group instead of many narrow ones.
            let width = batch * outputCount
            let columns = context.workspace.floats(rows * width + groupOut * width)
            let product = columns + rows * width
            for k in 0..<group {
                for n in 0..<batch {
                    Im2Col.fill(px + (n * inChannels + k * groupIn) * inputCount, channels: groupIn, g,
                                into: columns + n * outputCount, rowStride: width, context)
                }
                Self.multiply(pw + k * groupOut * rows, UnsafePointer(columns), product, m: groupOut, n: width, k: rows, context)
                for n in 0..<batch {
                    for m in 0..<groupOut {
                        (py + (n * outChannels + k * groupOut + m) * outputCount).update(from: product + m * width + n * outputCount, count: outputCount)
                    }
                }
            }
        } else {
            let columns = pointwise ? nil : context.workspace.floats(rows * outputCount)
            for n in 0..<batch {
                for k in 0..<group {
                    let input = px + (n * inChannels + k * groupIn) * inputCount
                    let source: UnsafePointer<Float>
                    if let columns {
                        Im2Col.fill(input, channels: groupIn, g, into: columns, context)
                        source = UnsafePointer(columns)
                    } else {
                        source = input
                    }
                    Self.multiply(pw + k * groupOut * rows, source, py + (n * outChannels + k * groupOut) * outputCount,
                                  m: groupOut, n: outputCount, k: rows, context)
                }
            }
        }
        try epilogue(inputs, py, batch: batch, channels: outChannels, spatial: outputCount, context)
    }

    /// C[m, n] = A[m, k] x B[k, n] (row-major, contiguous), the columns split across the context's
    /// threads; OpenBLAS itself runs single-threaded so the two levels of threads do not fight.
    static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                         m: Int, n: Int, k: Int, _ context: KernelContext) {
        if n < 256 * context.threads && m >= 32 * context.threads {
            // Few columns (small feature maps): split the output channels instead.
            context.parallelFor(m, minimumChunk: 32) { rows in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows.count), Int32(n), Int32(k), 1,
                            a + rows.lowerBound * k, Int32(k), b, Int32(n), 0, c + rows.lowerBound * n, Int32(n))
            }
            return
        }
        context.parallelFor(n, minimumChunk: 256) { range in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(range.count), Int32(k), 1,
                        a, Int32(k), b + range.lowerBound, Int32(n), 0, c + range.lowerBound, Int32(n))
        }
    }

    /// Bias, residual and activation in one pass over the output, while it is still in cache per plane.
    private func epilogue(_ inputs: [Tensor?], _ y: UnsafeMutablePointer<Float>, batch: Int, channels: Int, spatial: Int, _ context: KernelContext) throws {
        let bias = inputs.optional(2)?.floats
        let residual = addsResidual ? inputs.optional(3) : nil
        guard bias != nil || residual != nil || activation != nil else { return }
        let pr = residual?.withUnsafeBufferPointer(as: Float.self) { $0.baseAddress! }
        context.parallelFor(batch * channels, minimumChunk: Swift.max(1, 8192 / Swift.max(1, spatial))) { range in
            for plane in range {
                let values = UnsafeMutableBufferPointer(start: y + plane * spatial, count: spatial)
                if let bias { let b = bias[plane % channels]; for i in 0..<spatial { values[i] += b } }
                if let pr { let r = pr + plane * spatial; for i in 0..<spatial { values[i] += r[i] } }
                if let activation { activation.apply(to: values, .singleThreaded) }
            }
        }
    }
}
