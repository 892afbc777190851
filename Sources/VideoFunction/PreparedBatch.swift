// One batch of sampled frames, decoded by every lane of the reader and made into the model's input.
import Inference
import VideoIO

/// The model's input for one batch of timestamps, and what it took to make it.
struct PreparedBatch {
    var input: Tensor?
    /// Each decoded frame's own time, the planned time it was decoded for (the frame is the first
    /// at or after it), and its index.
    var timestamps: [Double] = []
    var requested: [Double] = []
    var indices: [Int?] = []
    var missing: [MissingFrame] = []
    var decodeMs = 0.0
    var preprocessMs = 0.0

    /// Decodes the frames at `timestamps` on up to `lanes` decoders at once and preprocesses them.
    /// `input` is nil when none of them decodes (`missing` says why).
    init(_ timestamps: [Double], reader: ParallelVideoReader, lanes: Int, mode: SeekMode,
         preprocessor: Preprocessor) throws(VideoFunctionError) {
        var t = VideoAnalyzer.now()
        let batch: FrameBatch
        // A batch with no frame is not an error here: the analysis keeps what other batches decoded,
        // and fails only when no batch decoded any.
        do { batch = try reader.framesAllowingNone(at: timestamps, mode: mode, lanes: lanes) }
        catch { throw VideoAnalyzer.videoError(error) }
        decodeMs = VideoAnalyzer.now() - t
        // Every planned sample counts, as samples that land on one frame always did: the reader
        // decodes a time once, and a time planned twice (samples past the last frame are moved
        // onto it) was analysed once, so that 256 samples of a 60-frame video gave 253.
        let frameFor = Dictionary(batch.frames.map { ($0.requestedTimestamp, $0) }, uniquingKeysWith: { first, _ in first })
        let missingFor = Dictionary(batch.missing.map { ($0.requestedTimestamp, $0) }, uniquingKeysWith: { first, _ in first })
        let frames = timestamps.compactMap { frameFor[$0] }
        missing = timestamps.compactMap { frameFor[$0] == nil ? missingFor[$0] : nil }
        guard !frames.isEmpty else { return }
        t = VideoAnalyzer.now()
        do { input = try preprocessor.tensor(from: frames) }
        catch { throw VideoAnalyzer.videoError(error) }
        preprocessMs = VideoAnalyzer.now() - t
        self.timestamps = frames.map(\.timestamp)
        requested = frames.map(\.requestedTimestamp)
        indices = frames.map(\.index)
    }
}
