// Decoding and preprocessing of the next batch of frames on a thread of its own, while the model
// runs on the current one.
import Dispatch
import Inference
import VideoIO

final class DecodeAhead: @unchecked Sendable {
    /// One batch, decoded and made into the model's input.
    struct Prepared {
        var input: Tensor?
        var timestamps: [Double] = []
        var indices: [Int?] = []
        var missing: [MissingFrame] = []
        var decodeMs = 0.0
        var preprocessMs = 0.0
    }

    /// A batch being prepared; `result()` waits for it.
    final class Pending: @unchecked Sendable {
        fileprivate var outcome: Result<Prepared, VideoFunctionError>?
        /// Entered when the batch is queued, left when `outcome` is set; waiting on it again is free.
        fileprivate let done = DispatchGroup()

        func result() throws(VideoFunctionError) -> Prepared {
            wait()
            return try outcome!.get()
        }

        func wait() { done.wait() }
    }

    private let reader: VideoReader
    private let preprocessor: Preprocessor
    private let mode: SeekMode
    /// Serial: the reader is used by one batch at a time.
    private let queue = DispatchQueue(label: "video-lambda.decode-ahead")

    init(reader: VideoReader, preprocessor: Preprocessor, mode: SeekMode) {
        self.reader = reader
        self.preprocessor = preprocessor
        self.mode = mode
    }

    /// Starts fetching, in the background, everything decoding `timestamps` will read from a remote
    /// object, ahead of the first batch (which waits for it on the same queue). A failure here is
    /// left for the batch that reads those bytes to report.
    func prefetch(_ timestamps: [Double]) {
        queue.async { [reader, mode] in try? reader.prefetch(timestamps: timestamps, mode: mode) }
    }

    /// Starts preparing the frames at `timestamps`.
    func start(_ timestamps: [Double]) -> Pending {
        let pending = Pending()
        pending.done.enter()
        queue.async { [self] in
            pending.outcome = Result { () throws(VideoFunctionError) -> Prepared in try prepare(timestamps) }
            pending.done.leave()
        }
        return pending
    }

    private func prepare(_ timestamps: [Double]) throws(VideoFunctionError) -> Prepared {
        var prepared = Prepared()
        var t = VideoAnalyzer.now()
        let batch: FrameBatch
        do { batch = try reader.frames(at: timestamps, mode: mode) }
        catch { throw VideoAnalyzer.videoError(error) }
        prepared.decodeMs = VideoAnalyzer.now() - t
        prepared.missing = batch.missing
        guard !batch.frames.isEmpty else { return prepared }
        t = VideoAnalyzer.now()
        do { prepared.input = try preprocessor.tensor(from: batch.frames) }
        catch { throw VideoAnalyzer.videoError(error) }
        prepared.preprocessMs = VideoAnalyzer.now() - t
        prepared.timestamps = batch.frames.map(\.timestamp)
        prepared.indices = batch.frames.map(\.index)
        return prepared
    }
}
