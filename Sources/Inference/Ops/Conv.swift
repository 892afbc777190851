// Conv: 1-D, 2-D and 3-D convolution with groups, through sgemm (im2col, or directly for 1x1) or a
// depthwise loop; the optimizer fuses bias, a residual Add and an activation into it.
public struct Conv: Operator {
    public let name = "Conv"
    public var geometry: WindowGeometry
    public let group: Int
    /// Fused: an activation applied last.
    public var activation: Activation?
    /// Fused: input 3 is a tensor of the output's shape added before the activation (a residual Add).
    public var addsResidual = false
    /// The weights are packed for `PackedGEMM` (by `PackConvolutionWeights`), not in ONNX's layout.
    public var weightsPacked = false

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
        // group ≤ channels first: the product below must not overflow (this module does not check).
        guard group > 0, group <= Swift.max(1, x.shape[1]), x.shape[1] == w.shape[1] * group, w.shape[0] % group == 0 else {
            throw invalidInput("Conv: \(x.shape[1]) input channels do not match weights \(w.shape) with group \(group)")
        }
        var geometry = self.geometry
        if geometry.kernel.isEmpty { geometry.kernel = Array(w.shape[2...]) }
        guard geometry.kernel == Array(w.shape[2...]) else { throw invalidInput("Conv: kernel_shape \(geometry.kernel) differs from weights \(w.shape)") }
        let resolved = try geometry.resolve(spatial: Array(x.shape[2...]), op: name)
        let output = [x.shape[0], w.shape[0]] + resolved.output.suffix(x.shape.count - 2)
        // The im2col matrix is (channels per group x kernel) rows by output positions. Its size is
        // checked here because the weights alone do not bound it: weights with 0 output channels
        // hold no data whatever their kernel, and a kernel of 2^24 x 2^24 made the product wrap.
        let columns = [w.shape[1]] + geometry.kernel + resolved.output.suffix(x.shape.count - 2)
        guard ShapeLimits.elementCount(columns) != nil else {
            throw invalidInput("Conv: weights \(w.shape) over an input of \(x.shape) need a column matrix over the size limit")
        }
        try inputs.checkFusedInputs(channels: w.shape[0], output: output, addsResidual: addsResidual, name)
        return [TensorType(.float32, output)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let x = inputs.required(0), w = inputs.required(1)
        var geometry = self.geometry
        if geometry.kernel.isEmpty { geometry.kernel = Array(w.shape[2...]) }
        let g = try geometry.resolve(spatial: Array(x.shape[2...]), op: name)
        let batch = x.shape[0], inChannels = x.shape[1], outChannels = w.shape[0]
        guard g.outputCount > 0, batch > 0, outChannels > 0 else { return }
        try inputs.checkFusedResidual(addsResidual: addsResidual, output: outputs[0], name)
        let bias = inputs.optional(2)?.withUnsafeBufferPointer(as: Float.self) { $0.baseAddress! }
        let residual = addsResidual ? inputs.optional(3)?.withUnsafeBufferPointer(as: Float.self) { $0.baseAddress! } : nil
        let epilogue = ConvEpilogue(bias: bias, residual: residual, activation: activation, channels: outChannels, spatial: g.outputCount)
        let px = x.withUnsafeBufferPointer(as: Float.self) { $0.baseAddress! }
        let pw = w.withUnsafeBufferPointer(as: Float.self) { $0.baseAddress! }
        let py = outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { $0.baseAddress! }

        if inChannels == group && outChannels == group && group > 1 && !weightsPacked {
            try DepthwiseConv.run(px, pw, py, batch: batch, channels: inChannels, g, epilogue: epilogue, context)
            return
        }
        let products = ConvGEMM(x: px, w: pw, y: py, geometry: g, group: group, inChannels: inChannels,
                                outChannels: outChannels, epilogue: epilogue, packedWeights: weightsPacked)
        try products.run(batch: batch, context)
    }
}
