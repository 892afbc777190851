// What the last batch of frames cost, so that the deadline checks can tell whether the next fits.

/// A batch's time split by what it grows with: decoding and preprocessing with the source picture
/// (a 4K HEVC frame costs many times a 640x360 H.264 one), inference with the frame count alone
/// (every frame is scaled to the model's input first). Kept across invocations, so an estimate made
/// for a larger video than the last one scales its decoding up instead of trusting the small one's.
struct BatchCost {
    /// Decode and preprocess time per frame, per megapixel of the source picture.
    private(set) var decodeMsPerFrameMegapixel = 0.0
    /// The rest per frame: inference and the batch's own overhead.
    private(set) var otherMsPerFrame = 0.0
    /// The picture size of the last batch: the estimate for a video not opened yet.
    private(set) var lastMegapixels = 0.0

    /// Pictures smaller than this count as this much: a 64x36 test clip must not make decoding
    /// look free per megapixel.
    private static let smallestMegapixels = 0.1

    /// Records a batch of `frames` frames of `megapixels` each, `inferredFrames` of which decoded
    /// and went through the model: `decodeMs` decoding and preprocessing (fetch waits included),
    /// `totalMs` in all. A batch of which no frame decoded ran no inference and is not recorded:
    /// it says nothing of the model's cost, and would make the next batch (of this video or the
    /// next) look nearly free.
    mutating func record(frames: Int, inferredFrames: Int, megapixels: Double, decodeMs: Double, totalMs: Double) {
        guard frames > 0, inferredFrames > 0 else { return }
        let size = max(megapixels, Self.smallestMegapixels)
        decodeMsPerFrameMegapixel = decodeMs / Double(frames) / size
        otherMsPerFrame = max(0, totalMs - decodeMs) / Double(inferredFrames)
        lastMegapixels = size
    }

    /// What `frames` frames of `megapixels` each (the last batch's size when nil) should take, with
    /// a margin: half again the recorded cost. 0 before the first batch.
    func expectedMs(frames: Int, megapixels: Double? = nil) -> Double {
        let size = megapixels.map { max($0, Self.smallestMegapixels) } ?? lastMegapixels
        return (decodeMsPerFrameMegapixel * size + otherMsPerFrame) * Double(frames) * 1.5
    }
}
