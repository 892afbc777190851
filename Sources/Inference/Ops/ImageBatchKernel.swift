// How batched kernels share the threads: whole images per thread when there are several images,
// otherwise every thread on the one image's work.

/// A kernel that computes any range of a batch's images with a scratch buffer of its own.
protocol ImageBatchKernel {
    /// Scratch floats `run` needs for this many images at once, run with this many threads.
    func scratchCount(images: Int, threads: Int) -> Int
    func run(images: Range<Int>, scratch: UnsafeMutablePointer<Float>, _ context: KernelContext)
}

extension ImageBatchKernel {
    /// Runs all `batch` images. With several images and threads, each thread takes whole images
    /// (its own slice of scratch, single-threaded kernels): im2col, products, transforms and
    /// epilogues all run in parallel with no hand-off between threads inside a layer.
    func run(batch: Int, _ context: KernelContext) throws(InferenceError) {
        if batch > 1 && context.threads > 1 {
            let lanes = Swift.min(context.threads, batch)
            let perLane = scratchCount(images: (batch + lanes - 1) / lanes, threads: 1)
            let scratch = try context.workspace.floats(perLane.multipliedSaturating(by: lanes))
            context.forEachChunk(batch, chunks: lanes) { lane, images in
                run(images: images, scratch: scratch + lane * perLane, .singleThreaded)
            }
        } else {
            run(images: 0..<batch, scratch: try context.workspace.floats(scratchCount(images: batch, threads: context.threads)), context)
        }
    }
}
