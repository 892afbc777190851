// Conv as matrix products: the weights of each group times the input's patches (im2col), or times the
// input itself for a 1x1 convolution, through cblas_sgemm.
import COpenBLAS

/// One convolution's products, for any range of the batch's images.
struct ConvGEMM: ImageBatchKernel {
    let x: UnsafePointer<Float>
    let w: UnsafePointer<Float>
    let y: UnsafeMutablePointer<Float>
    let geometry: WindowGeometry.Resolved
    let group: Int
    let inChannels: Int
    let outChannels: Int
    let epilogue: ConvEpilogue
    /// The weights are packed for `PackedGEMM` (each group's matrix on its own).
    var packedWeights = false

    var groupIn: Int { inChannels / group }
    var groupOut: Int { outChannels / group }
    /// Rows of the patch matrix: one per input channel of a group and kernel tap.
    var rows: Int { groupIn * geometry.kernelCount }
    var outputCount: Int { geometry.outputCount }
    /// A 1x1 convolution with no stride or padding: the input planes already are the patch matrix.
    var pointwise: Bool {
        geometry.kernelCount == 1 && geometry.strides == [1, 1, 1] && geometry.padBegin == [0, 0, 0] && geometry.padEnd == [0, 0, 0]
    }
    /// Small feature maps make thin matrices: below this many output positions, images go side by
    /// side into one wider product. Only really small ones: at 28x28 (784 positions) one image is
    /// already a wide enough product, and 8 images side by side need ~10 MB of scratch per thread
    /// (open-nsfw's stride-2 1x1 convolutions at batch 16: 43-45 → 38 ms with 1 thread, 25-27 →
    /// 21-23 ms with 2, side by side below 1024 positions against below 100; 7x7 maps still gain).
    static let sideBySideBelow = 128

    /// About this many floats of patch matrix at a time (512 KB): a large image's matrix is built
    /// and multiplied one band of output rows at a time, so it stays in L2 between im2col writing
    /// it and sgemm reading it, instead of going out to memory and back (open-nsfw's 7x7 stem
    /// would need 7.4 MB per image).
    static let bandFloats = 128 * 1024

    /// Output rows per band: all of them for 3-D convolutions, for matrices that fit anyway, and
    /// when several threads share one image (each band would be two more hand-offs between them).
    func bandRows(threads: Int) -> Int {
        let (od, oh, ow) = (geometry.output[0], geometry.output[1], geometry.output[2])
        guard od == 1, threads == 1, rows * outputCount > Self.bandFloats else { return oh }
        return Swift.max(1, Swift.min(oh, Self.bandFloats / Swift.max(1, rows * ow)))
    }

    /// Scratch floats that `run` needs for `images` images at once; Int.max when that does not fit
    /// an Int (the workspace then refuses it as over the memory limit, instead of a wrapped size).
    func scratchCount(images: Int, threads: Int) -> Int {
        if pointwise { return 0 }
        if images > 1 && outputCount < Self.sideBySideBelow { return .saturatingProduct([rows + groupOut, images, outputCount]) }
        return .saturatingProduct([rows, bandRows(threads: threads), geometry.output[2], geometry.output[0]])
    }

    /// Computes and finishes (epilogue) the output of `images`, using `scratch` and `context`'s threads.
    func run(images: Range<Int>, scratch: UnsafeMutablePointer<Float>, _ context: KernelContext) {
        if pointwise && outputCount == 1 && group == 1 && images.count > 1 {
            runImagesAsRows(images: images, context)
            return
        }
        if !pointwise && images.count > 1 && outputCount < Self.sideBySideBelow {
            runSideBySide(images: images, scratch: scratch, context)
            return
        }
        // The products accumulate onto the bias (beta 1), which spares OpenBLAS zeroing the output
        // and the epilogue a bias pass; packed products add the bias, and the residual and a ReLU
        // too, as they store each tile.
        let beta: Float = epilogue.bias == nil ? 0 : 1
        let rest = packedWeights && epilogue.fitsPackedProduct ? nil : epilogue.withoutBias
        let (oh, ow) = (geometry.output[1], geometry.output[2]), band = bandRows(threads: context.threads)
        // Group k of image n for output positions from `first` on, from its patch matrix.
        func product(_ n: Int, _ k: Int, _ patches: UnsafePointer<Float>, columns: Int, from first: Int = 0) {
            let weights = w + k * groupOut * rows, target = output(n, k) + first
            guard packedWeights else {
                Self.multiply(weights, patches, target, m: groupOut, n: columns, k: rows, ldc: outputCount, beta: beta, context)
                return
            }
            let extras = epilogue.packedExtras(channel: k * groupOut, residualOffset: (n * outChannels + k * groupOut) * outputCount + first)
            PackedGEMM.multiply(weights, patches, target, m: groupOut, n: columns, k: rows, ldc: outputCount, extras: extras, context)
        }
        for n in images {
            if !packedWeights { epilogue.prefillBias(image: n, y, context) }
            for k in 0..<group {
                if pointwise {
                    product(n, k, input(n, k), columns: outputCount)
                } else if band == oh {
                    Im2Col.fill(input(n, k), channels: groupIn, geometry, into: scratch, context)
                    product(n, k, scratch, columns: outputCount)
                } else {
                    for first in stride(from: 0, to: oh, by: band) {
                        let outputRows = first..<Swift.min(oh, first + band)
                        Im2Col.fill(input(n, k), channels: groupIn, geometry, into: scratch, outputRows: outputRows, context)
                        product(n, k, scratch, columns: outputRows.count * ow, from: first * ow)
                    }
                }
            }
            rest?.finish(images: n..<n + 1, y, context)
        }
    }

    /// The images' patches side by side in one matrix per group; the product is copied out to each
    /// image's planes in the same pass as the epilogue.
    private func runSideBySide(images: Range<Int>, scratch: UnsafeMutablePointer<Float>, _ context: KernelContext) {
        let width = images.count * outputCount
        let columns = scratch, product = scratch + rows * width
        for k in 0..<group {
            for (slot, n) in images.enumerated() {
                Im2Col.fill(input(n, k), channels: groupIn, geometry, into: columns + slot * outputCount, rowStride: width, context)
            }
            Self.multiply(w + k * groupOut * rows, columns, product, m: groupOut, n: width, k: rows, packed: packedWeights, context)
            for (slot, n) in images.enumerated() {
                for m in 0..<groupOut {
                    epilogue.finish(plane: n * outChannels + k * groupOut + m, y, from: product + m * width + slot * outputCount)
                }
            }
        }
    }

    /// 1x1 maps (squeeze-and-excitation and classifier layers): the images' channel vectors are the
    /// rows of one matrix, multiplied by the weights in one product, instead of one single-column
    /// product per image that packs the whole weight matrix again each time.
    private func runImagesAsRows(images: Range<Int>, _ context: KernelContext) {
        let rows = images.count, a = x + images.lowerBound * inChannels, c = y + images.lowerBound * outChannels
        if packedWeights {
            // Transposed: output channels are the product's rows and images its columns, each read
            // and written a channel vector apart.
            let extras = epilogue.packedExtras(channel: 0, residualOffset: images.lowerBound * outChannels)
            context.parallelFor(outChannels, minimumChunk: 64) { channels in
                PackedGEMM.run(w, a, rowStride: 1, columnStride: inChannels, c, rowStride: 1, columnStride: outChannels,
                               m: outChannels, n: rows, k: inChannels, extras, rows: channels)
            }
            if !epilogue.fitsPackedProduct { epilogue.withoutBias.finish(images: images, y, context) }
            return
        }
        for n in images { epilogue.prefillBias(image: n, y, context) }
        let beta: Float = epilogue.bias == nil ? 0 : 1
        context.parallelFor(outChannels, minimumChunk: 64) { columns in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(columns.count), Int32(inChannels), 1,
                        a, Int32(inChannels), w + columns.lowerBound * inChannels, Int32(inChannels),
                        beta, c + columns.lowerBound, Int32(outChannels))
        }
        epilogue.withoutBias.finish(images: images, y, context)
    }

    private func input(_ n: Int, _ k: Int) -> UnsafePointer<Float> { x + (n * inChannels + k * groupIn) * geometry.inputCount }
    private func output(_ n: Int, _ k: Int) -> UnsafeMutablePointer<Float> { y + (n * outChannels + k * groupOut) * outputCount }

    /// Whether a product of m x n splits across threads by rows: few columns (small feature maps)
    /// and enough output channels; otherwise by columns.
    static func splitsByRows(m: Int, n: Int, _ context: KernelContext) -> Bool {
        n < 256 * context.threads && m >= 32 * context.threads
    }

    /// C[m, n] = A[m, k] x B[k, n] + beta C[m, n] (row-major; rows of B and C `ldb` and `ldc` apart, n by default),
    /// split across the context's threads; OpenBLAS itself runs single-threaded so the two levels of
    /// threads do not fight. `packed`: A is packed for `PackedGEMM`, which computes it (beta 0).
    static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                         m: Int, n: Int, k: Int, ldb: Int? = nil, ldc: Int? = nil, beta: Float = 0, packed: Bool = false,
                         _ context: KernelContext) {
        if packed {
            precondition(beta == 0, "a packed product overwrites C")
            PackedGEMM.multiply(a, b, c, m: m, n: n, k: k, ldb: ldb, ldc: ldc, context)
            return
        }
        let ldb = Int32(ldb ?? n), ldc = Int32(ldc ?? n)
        if splitsByRows(m: m, n: n, context) {
            // Few columns (small feature maps): split the output channels instead.
            context.parallelFor(m, minimumChunk: 32) { rows in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows.count), Int32(n), Int32(k), 1,
                            a + rows.lowerBound * k, Int32(k), b, ldb, beta, c + rows.lowerBound * Int(ldc), ldc)
            }
            return
        }
        context.parallelFor(n, minimumChunk: 256) { range in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(range.count), Int32(k), 1,
                        a, Int32(k), b + range.lowerBound, ldb, beta, c + range.lowerBound, ldc)
        }
    }
}
