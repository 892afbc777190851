// What a fused Conv does after the product: add the bias and a residual, apply the activation,
// one output plane at a time while that plane is still in cache.

struct ConvEpilogue {
    let bias: UnsafePointer<Float>?
    let residual: UnsafePointer<Float>?
    let activation: Activation?
    /// Output channels and values per channel plane, to find a plane's bias and residual.
    let channels: Int
    let spatial: Int

    var isEmpty: Bool { bias == nil && residual == nil && activation == nil }

    /// Whether a packed product applies all of it as it stores each tile (a ReLU or no activation).
    var fitsPackedProduct: Bool { activation == nil || activation == .relu }

    /// What a packed product applies for output channels from `channel` on, whose residual starts
    /// at `residualOffset`: the bias, and the residual and ReLU too when it fits them all.
    func packedExtras(channel: Int, residualOffset: Int) -> PackedGEMM.Extras {
        var extras = PackedGEMM.Extras(bias: bias.map { $0 + channel })
        if fitsPackedProduct {
            extras.residual = residual.map { $0 + residualOffset }
            extras.relu = activation == .relu
        }
        return extras
    }

    /// The same epilogue once the bias is already in the product.
    var withoutBias: ConvEpilogue {
        ConvEpilogue(bias: nil, residual: residual, activation: activation, channels: channels, spatial: spatial)
    }

    /// Planes per thread hand-off: about 8K values, so small planes are not split one by one.
    private var planesPerChunk: Int { Swift.max(1, 8192 / Swift.max(1, spatial)) }

    /// Writes each output plane of `image` as its channel's bias, for a product that accumulates onto
    /// it (sgemm with beta 1): the product then needs no zeroing and no bias pass.
    func prefillBias(image n: Int, _ y: UnsafeMutablePointer<Float>, _ context: KernelContext) {
        guard let bias else { return }
        context.parallelFor(channels, minimumChunk: planesPerChunk) { range in
            for channel in range {
                (y + (n * channels + channel) * spatial).update(repeating: bias[channel], count: spatial)
            }
        }
    }

    /// Finishes plane `plane` (image * channels + channel) of the output at `y`, in place.
    /// `positions` limits it to part of the plane (a band of rows written so far).
    @inline(__always)
    func finish(plane: Int, positions: Range<Int>? = nil, _ y: UnsafeMutablePointer<Float>) {
        let positions = positions ?? 0..<spatial
        let start = plane * spatial + positions.lowerBound, target = y + start
        let b = bias?[plane % channels] ?? 0
        if let r = residual.map({ $0 + start }) {
            for i in 0..<positions.count { target[i] += b + r[i] }
        } else if bias != nil {
            for i in 0..<positions.count { target[i] += b }
        }
        activation?.apply(target, count: positions.count)
    }

    /// Writes plane `plane` of the output at `y` from a product computed elsewhere, finishing it in the
    /// same pass (with an empty epilogue this is the copy alone). The product is one run of the
    /// plane's values, or `rows` rows of spatial / rows values `sourceRowStride` floats apart.
    @inline(__always)
    func finish(plane: Int, _ y: UnsafeMutablePointer<Float>, from source: UnsafePointer<Float>, rows: Int = 1, sourceRowStride: Int = 0) {
        let target = y + plane * spatial, width = spatial / rows
        let b = bias?[plane % channels] ?? 0
        let r = residual.map { $0 + plane * spatial }
        for row in 0..<rows {
            let s = source + row * sourceRowStride, t = target + row * width
            if let r {
                let rr = r + row * width
                for i in 0..<width { t[i] = s[i] + b + rr[i] }
            } else {
                for i in 0..<width { t[i] = s[i] + b }
            }
        }
        activation?.apply(target, count: spatial)
    }

    /// Finishes every channel plane of `images`, the planes split across the context's threads.
    func finish(images: Range<Int>, _ y: UnsafeMutablePointer<Float>, _ context: KernelContext) {
        guard !isEmpty else { return }
        let first = images.lowerBound * channels
        if spatial == 1 {
            // 1x1 maps: the planes are consecutive values, finished as one run.
            let target = y + first, count = images.count * channels
            if bias != nil || residual != nil {
                for i in 0..<count { target[i] += (bias?[i % channels] ?? 0) + (residual?[first + i] ?? 0) }
            }
            activation?.apply(target, count: count)
            return
        }
        context.parallelFor(images.count * channels, minimumChunk: planesPerChunk) { planes in
            for plane in planes { finish(plane: first + plane, y) }
        }
    }
}
