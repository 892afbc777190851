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

    /// Finishes plane `plane` (image * channels + channel) of the output at `y`. With a `source`, the
    /// product is first copied from there (the batched path computes it elsewhere), in the same pass.
    @inline(__always)
    func finish(plane: Int, _ y: UnsafeMutablePointer<Float>, from source: UnsafePointer<Float>? = nil) {
        let target = y + plane * spatial
        let b = bias?[plane % channels] ?? 0
        let r = residual.map { $0 + plane * spatial }
        switch (source, r) {
        case (let s?, let r?): for i in 0..<spatial { target[i] = s[i] + b + r[i] }
        case (let s?, nil): for i in 0..<spatial { target[i] = s[i] + b }
        case (nil, let r?): for i in 0..<spatial { target[i] += b + r[i] }
        case (nil, nil): if bias != nil { for i in 0..<spatial { target[i] += b } }
        }
        activation?.apply(target, count: spatial)
    }

    /// Finishes every channel plane of `images`, the planes split across the context's threads.
    func finish(images: Range<Int>, _ y: UnsafeMutablePointer<Float>, _ context: KernelContext) {
        guard !isEmpty else { return }
        let first = images.lowerBound * channels
        context.parallelFor(images.count * channels, minimumChunk: Swift.max(1, 8192 / Swift.max(1, spatial))) { planes in
            for plane in planes { finish(plane: first + plane, y) }
        }
    }
}
