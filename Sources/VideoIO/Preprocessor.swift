// Frames to a model's float32 input batch: resize with libswscale, fit, normalize, lay out; frames in parallel.
import Dispatch
import Synchronization
import Inference

/// Turns decoded frames into one float32 tensor. Each frame is resized straight from the
/// decoder's pixel format to the target size in one libswscale pass; frames are processed in
/// parallel (one libswscale context each), writing disjoint parts of the tensor.
public struct Preprocessor: Sendable {
    public var options: PreprocessOptions

    public init(_ options: PreprocessOptions) {
        self.options = options
    }

    /// The picture the model sees for `frame`, as 8-bit RGB before normalization (also what
    /// `video-lambda frames` writes out).
    public func image(from frame: DecodedFrame) throws -> RGBImage {
        try options.check()
        // Fitted by the shape the frame is shown at: an anamorphic frame is widened (or narrowed)
        // by its pixel aspect ratio in the same libswscale pass that resizes it.
        let placement = options.resize.placement(sourceWidth: frame.displayWidth, sourceHeight: Double(frame.height),
                                                 width: options.width, height: options.height)
        // Cropping modes scale the whole frame before cutting: an extreme aspect ratio (65535x16
        // filling 224x224) would make a picture of hundreds of millions of pixels first.
        guard VideoLimits.default.holds(width: placement.width, height: placement.height) else {
            throw VideoIOError(.tooManyPixels, uri: frame.uri,
                               "fitting the \(frame.width)x\(frame.height) frame to \(options.width)x\(options.height) would scale it to \(placement.width)x\(placement.height) first, over the limit of \(VideoLimits.defaultMaximumPixelsPerFrame) pixels; the aspect ratio is too extreme for this resize mode")
        }
        let resized = try frame.rgb(width: placement.width, height: placement.height, algorithm: options.algorithm)
        if placement.width == options.width && placement.height == options.height { return resized }
        let padding: UInt8
        if case .letterbox(let value) = options.resize { padding = value } else { padding = 0 }
        var canvas = RGBImage(width: options.width, height: options.height, fill: (padding, padding, padding))
        canvas.draw(resized, x: placement.x, y: placement.y)
        return canvas
    }

    /// The batch for `frames`, shaped by the layout (e.g. [N, 3, H, W]).
    public func tensor(from frames: [DecodedFrame]) throws -> Tensor {
        try validate(frames: frames.count)
        let width = options.width, height = options.height, layout = options.layout
        var tensor = Tensor(.float32, shape: layout.shape(frames: frames.count, height: height, width: width))
        let lookup = lookupTables()
        // Which RGB byte feeds tensor channel c.
        let sourceChannel = options.channelOrder == .rgb ? [0, 1, 2] : [2, 1, 0]
        let failures = FailureBox()
        tensor.withUnsafeMutableBufferPointer(as: Float.self) { values in
            let base = values.baseAddress!
            DispatchQueue.concurrentPerform(iterations: frames.count) { index in
                do {
                    let image = try self.image(from: frames[index])
                    let strides = layout.strides(frame: index, height: height, width: width, frames: frames.count)
                    image.pixels.withUnsafeBufferPointer { pixels in
                        for channel in 0..<3 {
                            let table = lookup[channel], source = sourceChannel[channel]
                            let plane = base + strides.base + channel * strides.channelStride
                            for y in 0..<height {
                                let row = plane + y * strides.rowStride
                                var pixel = y * width * 3 + source
                                for x in 0..<width {
                                    row[x * strides.pixelStride] = table[Int(pixels[pixel])]
                                    pixel += 3
                                }
                            }
                        }
                    }
                } catch {
                    failures.record(index, error)
                }
            }
        }
        if let (_, error) = failures.first { throw error }
        return tensor
    }

    /// Per tensor channel, the normalized value of each 8-bit level: one table lookup per value.
    private func lookupTables() -> [[Float]] {
        let normalization = options.normalization
        // Tensor channel c carries the statistics of the colour it holds.
        let colour = options.channelOrder == .rgb ? [0, 1, 2] : [2, 1, 0]
        return colour.map { c in
            (0..<256).map { (Float($0) * normalization.scale - normalization.mean[c]) / normalization.std[c] }
        }
    }

    private func validate(frames: Int) throws {
        try options.check()
        func invalid(_ reason: String) -> VideoIOError { VideoIOError(.invalidRequest, uri: "preprocessing", reason) }
        guard frames > 0 else { throw invalid("no frames to preprocess") }
        if case .ncthw(let clipLength?) = options.layout, clipLength <= 0 || frames % clipLength != 0 {
            throw invalid("\(frames) frames do not make whole clips of \(clipLength); sample a multiple of the clip length")
        }
    }
}

extension PreprocessOptions {
    /// Throws `invalidRequest` for options no frame can be prepared with: sizes that are not
    /// positive or are larger than a frame may be (`VideoLimits`' pixels per frame, which also keeps
    /// a batch's allocation sane), normalization that is not 3 finite values per list with no zero std.
    public func check() throws {
        func invalid(_ reason: String) -> VideoIOError { VideoIOError(.invalidRequest, uri: "preprocessing", reason) }
        let pixels = VideoLimits.defaultMaximumPixelsPerFrame
        func fits(_ width: Int, _ height: Int) -> Bool { VideoLimits.default.holds(width: width, height: height) }
        guard fits(width, height) else {
            throw invalid("the input size \(width)x\(height) must be positive and at most \(pixels) pixels")
        }
        switch resize {
        case .shorterSideThenCrop(let side) where !fits(side, side):
            throw invalid("the resize's shorter side \(side) must be positive and at most \(Int(Double(pixels).squareRoot())) pixels")
        case .stretchThenCrop(let stretchWidth, let stretchHeight) where !fits(stretchWidth, stretchHeight):
            throw invalid("the resize's size \(stretchWidth)x\(stretchHeight) must be positive and at most \(pixels) pixels")
        default: break
        }
        guard normalization.mean.count == 3, normalization.std.count == 3 else {
            throw invalid("mean and std need 3 values each (R, G, B), not \(normalization.mean.count) and \(normalization.std.count)")
        }
        guard normalization.std.allSatisfy({ $0 != 0 && $0.isFinite }), normalization.mean.allSatisfy(\.isFinite), normalization.scale.isFinite else {
            throw invalid("scale \(normalization.scale), mean \(normalization.mean) and std \(normalization.std) must be finite, std not zero; each channel divides by it")
        }
    }
}

/// The first error any parallel task hit (by frame index), kept under a lock.
private final class FailureBox: Sendable {
    private let failure = Mutex<(Int, Error)?>(nil)

    func record(_ index: Int, _ error: Error) {
        failure.withLock { failure in
            if failure == nil || index < failure!.0 { failure = (index, error) }
        }
    }

    var first: (Int, Error)? { failure.withLock { $0 } }
}
