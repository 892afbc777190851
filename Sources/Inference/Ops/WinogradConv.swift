// A 3x3, stride-1, undilated, ungrouped convolution computed with Winograd's F(2x2, 3x3): per chunk
// of 2x2 output tiles, transform the input tiles, run 16 matrix products against the filters
// transformed once at load time, and transform back. 2.25x fewer multiplications than im2col, and the
// matrices sgemm packs are 16/9 of the input instead of 9x.

/// Inputs: X [N, C, H, W], the transformed filters U [16, M, C] (`WinogradTransforms.filters`), an
/// optional bias [M] and, when `addsResidual`, a residual of the output's shape.
public struct WinogradConv: Operator {
    public let name = "Conv"
    /// Kernel 3x3, strides and dilations 1; the pads (or auto_pad) of the Conv it replaces.
    public var geometry: WindowGeometry
    public var activation: Activation?
    public var addsResidual: Bool
    /// U's 16 matrices are packed for `PackedGEMM` (by `PackConvolutionWeights`).
    public var filtersPacked = false

    public init(geometry: WindowGeometry, activation: Activation? = nil, addsResidual: Bool = false) {
        self.geometry = geometry
        self.activation = activation
        self.addsResidual = addsResidual
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let x = try inputs.required(0, name).type, u = try inputs.required(1, name).type
        guard x.elementType == .float32, x.shape.count == 4, u.shape.count == 3, u.shape[0] == WinogradTransforms.positions,
              u.shape[2] == x.shape[1] else {
            throw invalidInput("Conv (Winograd) needs float32 input N x C x H x W and filters 16 x M x C, got \(x) and \(u)")
        }
        let resolved = try geometry.resolve(spatial: Array(x.shape[2...]), op: name)
        let output = [x.shape[0], u.shape[1]] + resolved.output.suffix(2)
        try inputs.checkFusedInputs(channels: u.shape[1], output: output, addsResidual: addsResidual, name)
        return [TensorType(.float32, output)]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let x = inputs.required(0), u = inputs.required(1)
        let g = try geometry.resolve(spatial: Array(x.shape[2...]), op: name)
        let batch = x.shape[0], outChannels = u.shape[1]
        guard g.outputCount > 0, batch > 0 else { return }
        try inputs.checkFusedResidual(addsResidual: addsResidual, output: outputs[0], name)
        let bias = inputs.optional(2)?.withUnsafeBufferPointer(as: Float.self) { $0.baseAddress! }
        let residual = addsResidual ? inputs.optional(3)?.withUnsafeBufferPointer(as: Float.self) { $0.baseAddress! } : nil
        let tiles = WinogradTiles(
            x: x.withUnsafeBufferPointer(as: Float.self) { $0.baseAddress! },
            u: u.withUnsafeBufferPointer(as: Float.self) { $0.baseAddress! },
            y: outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { $0.baseAddress! },
            geometry: g, inChannels: x.shape[1], outChannels: outChannels,
            epilogue: ConvEpilogue(bias: bias, residual: residual, activation: activation, channels: outChannels, spatial: g.outputCount),
            packedFilters: filtersPacked)
        try tiles.run(batch: batch, context)
    }
}
