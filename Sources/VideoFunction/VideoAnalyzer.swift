// The pipeline of one video: open (range reads), sample and decode, preprocess, infer, postprocess.
import Dispatch
import Inference
import ObjectStore
import ONNX
import VideoIO

/// A function's model and settings, loaded once per container at init.
public final class VideoAnalyzer {
    public let name: String
    public let config: FunctionConfig
    /// sha256 of the ONNX model, as answers report it. (The loaded graph itself is not kept: the
    /// session holds the optimised copy, and keeping both would double the weights in memory.)
    public let modelSHA256: String
    let session: Session
    let inputName: String
    let outputName: String
    let labels: [String]
    let preprocessor: Preprocessor
    let store: ObjectStore
    /// Cores the model runs on, and decoders each batch of frames is decoded on.
    let threads: Int
    /// What the last batch analysed cost, by this or an earlier invocation: the estimate the
    /// deadline checks start from (nothing before the first).
    private var batchCost = BatchCost()
    /// Time kept back at every deadline check, beyond the frames' own estimate: answering and
    /// postprocessing.
    static let deadlineReserveMs = 300.0

    /// Loads `directory/function.json` and its model (verifying its sha256) and plans the session.
    public init(directory: String, name: String, store: ObjectStore, threads: Int = KernelContext.availableCores) throws {
        self.name = name
        self.store = store
        self.threads = max(1, threads)
        config = try FunctionConfig.load(directory: directory)
        let model: Model
        let uri = config.model.uri
        let isRemote = uri.hasPrefix("s3://") || uri.hasPrefix("https://")
        let source = isRemote ? uri : (uri.hasPrefix("/") ? uri : directory + "/" + uri)
        do {
            model = isRemote ? try ModelLoader.load(bytes: try store.readAll(uri), source: source, sha256: config.model.sha256)
                             : try ModelLoader.load(path: source, sha256: config.model.sha256)
        } catch let error as ModelError where error.code == .io {
            throw VideoFunctionError(.invalidConfig, "model of \(name): \(error) (run `make models`)")
        } catch {
            throw VideoFunctionError(.invalidConfig, "model of \(name): \(error)")
        }
        modelSHA256 = model.sha256
        // A graph that breaks ONNX's rules, or whose constants will not fold within memory, is the
        // model's fault like a load error.
        do { session = try Session(graph: model.graph, options: SessionOptions(threads: threads)) }
        catch { throw VideoFunctionError(.invalidConfig, "model of \(name): \(error)") }
        let graph = model.graph
        let input = config.model.input ?? graph.inputs.first?.name ?? ""
        let output = config.model.output ?? graph.outputs.first ?? ""
        guard let declared = graph.inputs.first(where: { $0.name == input }) else {
            throw VideoFunctionError(.invalidConfig, "\(name): the model has no input '\(input)' (it has \(graph.inputs.map(\.name).joined(separator: ", ")))")
        }
        // The function feeds preprocessed frames as float32: a model taking uint8 pixels (or any
        // other type) would load, then fail every request.
        guard declared.elementType == .float32 else {
            throw VideoFunctionError(.invalidConfig, "\(name): the model's input '\(input)' is \(declared.elementType); the function feeds float32 frames (export the model with a float input, its scaling in function.json's preprocess)")
        }
        guard graph.outputs.contains(output) else {
            throw VideoFunctionError(.invalidConfig, "\(name): the model has no output '\(output)'")
        }
        // The function feeds one input: a model that needs another would fail every request.
        if let other = graph.inputs.first(where: { $0.name != input }) {
            throw VideoFunctionError(.invalidConfig, "\(name): the model also needs input '\(other.name)', and the function gives only '\(input)'")
        }
        inputName = input
        outputName = output
        if let labels = config.labels {
            self.labels = labels
        } else {
            let key = config.labelsFromModelMetadata ?? ""
            guard let text = model.metadata[key] else {
                throw VideoFunctionError(.invalidConfig, "\(name): the model's metadata has no '\(key)' entry for the labels")
            }
            // One per line; "\r\n" (metadata written on Windows) is one Character in Swift, not "\n".
            labels = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
        }
        // Scores are reported per label: a model with none (an empty metadata entry) has nothing to say.
        guard !labels.isEmpty else {
            throw VideoFunctionError(.invalidConfig, "\(name): no labels (function.json's labels, or the model metadata entry '\(config.labelsFromModelMetadata ?? "")', is empty)")
        }
        // A count that differs would fail every request; said at init, it fails the deploy instead.
        if let width = try Self.scoresPerFrame(session: session, input: input, output: output, owner: name), width != labels.count {
            let source = config.labels != nil ? "function.json's labels" : "the model metadata entry '\(config.labelsFromModelMetadata ?? "")'"
            throw VideoFunctionError(.invalidConfig, "\(name): the model gives \(width) scores per frame but \(source) has \(labels.count) labels (\(labels.joined(separator: ", ")))")
        }
        // function.json checks this against its own labels; labels from the model are known only now.
        try config.postprocess.threshold?.check(labels: labels, owner: name)
        try config.postprocess.checkTopK(labels: labels, owner: name)
        preprocessor = Preprocessor(try config.preprocessOptions())
    }

    /// Analyses one video. `remainingMs` gives the time left before the invocation's deadline; when
    /// it will not cover the frames left, the result says so and carries what was done.
    public func analyze(_ request: VideoRequest, remainingMs: () -> Int64 = { .max }) throws -> AnalysisResult {
        let started = Self.now()
        var timings = AnalysisResult.Timings()
        let plan = try request.plan(defaultFrames: config.sampling.frames, maximumFrames: config.sampling.frameLimit)
        // Before opening anything (an S3 video's index and spans take requests): the first batch
        // must fit, as far as the last batches tell (its size is known but for "every").
        var firstBatch = config.sampling.batch
        if case .uniform(let count, _, _) = plan { firstBatch = min(firstBatch, count) }
        let firstBatchMs = Self.deadlineReserveMs + batchCost.expectedMs(frames: firstBatch)
        guard Double(remainingMs()) >= firstBatchMs else {
            throw Self.noTimeForAnyFrame(request.video, remainingMs: remainingMs())
        }
        let reader: ParallelVideoReader
        // One FFmpeg thread per decoder: frame threads are flushed at every seek, and sampling seeks
        // for nearly every frame. The cores decode several GOPs at once instead (lanes).
        do { reader = try ParallelVideoReader(uri: request.video, store: store, maximumLanes: threads, expectedETag: request.expectedETag) }
        catch { throw Self.videoError(error) }
        timings.fetchMs = Self.now() - started
        let timestamps: [Double]
        // The function's frame limit holds for "every" too (there the count follows from the video).
        let limits = VideoLimits(maximumFramesPerRequest: config.sampling.frameLimit)
        do { timestamps = try plan.timestamps(for: reader.info, keyframes: nil, uri: request.video, limits: limits) }
        catch { throw Self.videoError(error) }
        let info = reader.info
        let megapixels = Double(info.width) * Double(info.height) / 1e6
        func expectedMs(frames: Int) -> Double { batchCost.expectedMs(frames: frames, megapixels: megapixels) }

        // Decode, preprocess and infer in batches, checking the clock before each one. Each stage
        // has every core in turn: a batch's GOPs decode side by side on `threads` decoders, then the
        // model runs on `threads` cores. (Decoding the next batch while the model runs made both
        // slower: the model's threads split work evenly and wait for the one that shares its core
        // with the decoder. 16 frames of the 10-minute file, warm, 2 cores: 436–599 ms decoding one
        // batch ahead on one decoder, 343–372 ms in turns on two.) Batches of 8 keep the model's
        // activations, and so peak RSS, small (16: 320 MB, 8: 228 MB, 4: 187 MB, same run).
        let batchSize = config.sampling.batch
        let chunks = stride(from: 0, to: timestamps.count, by: batchSize).map { Array(timestamps[$0..<min(timestamps.count, $0 + batchSize)]) }
        // A remote video's spans are fetched in the background, each batch's in parallel range
        // requests while the batch before it decodes and infers: a batch waits only for its own
        // spans, so fetching hides behind the work (decodeMs includes what a batch waited). One
        // batch ahead, not all: the spans of hundreds of frames would not fit the reader's cache.
        // A failure is left for the batch that reads those bytes to report. A request that fails
        // or stops at the deadline answers without waiting for a fetch still on its way (a stalled
        // one could take its retries' timeouts): it lands in a reader nobody reads any more.
        if let first = chunks.first { reader.prefetchInBackground(timestamps: first, mode: plan.seekMode) }
        var raw: [[Float]] = [], used: [Double] = [], requested: [Double] = [], indices: [Int?] = []
        var missing: [AnalysisResult.MissingFrame] = []
        var stoppedEarly: String? = nil
        for (number, chunk) in chunks.enumerated() {
            let reserve = Self.deadlineReserveMs + expectedMs(frames: chunk.count)
            if Double(remainingMs()) < reserve {
                guard !raw.isEmpty else {
                    // Frames were tried and none decoded: that, not the clock, is the news.
                    if let first = missing.first {
                        throw VideoFunctionError(.timeout, "\(request.video): none of the \(missing.count) frames tried decoded (\(first.reason)), and \(remainingMs()) ms left before the deadline is not enough for the next \(chunk.count)")
                    }
                    throw Self.noTimeForAnyFrame(request.video, remainingMs: remainingMs())
                }
                stoppedEarly = "deadline: analysed \(raw.count) of \(timestamps.count) frames before the time ran out"
                break
            }
            // The next batch's spans, unless the clock says it will not be reached.
            if number + 1 < chunks.count,
               Double(remainingMs()) >= reserve + expectedMs(frames: chunks[number + 1].count) {
                reader.prefetchInBackground(timestamps: chunks[number + 1], mode: plan.seekMode)
            }
            let chunkStarted = Self.now()
            let prepared = try PreparedBatch(chunk, reader: reader, lanes: threads, mode: plan.seekMode, preprocessor: preprocessor)
            timings.decodeMs += prepared.decodeMs
            timings.preprocessMs += prepared.preprocessMs
            missing += prepared.missing.map { AnalysisResult.MissingFrame(timestamp: $0.requestedTimestamp, reason: $0.reason) }
            if let input = prepared.input {
                let t = Self.now()
                raw += try infer(input, frames: prepared.timestamps.count)
                timings.inferMs += Self.now() - t
                used += prepared.timestamps
                requested += prepared.requested
                indices += prepared.indices
            }
            batchCost.record(frames: chunk.count, inferredFrames: prepared.input == nil ? 0 : prepared.timestamps.count, megapixels: megapixels,
                             decodeMs: prepared.decodeMs + prepared.preprocessMs, totalMs: Self.now() - chunkStarted)
        }
        guard !raw.isEmpty else {
            throw VideoFunctionError(.invalidVideo, "\(request.video): none of the \(timestamps.count) sampled frames could be decoded (\(missing.first?.reason ?? "no frames"))")
        }
        // Fetches a batch did not read from (its decode stopped short of a span) count too; they
        // have all but landed when the last batch is done.
        if stoppedEarly == nil { reader.waitForBackgroundPrefetches() }
        var result = AnalysisResult(
            function: name, video: request.video, model: .init(name: config.model.name, sha256: modelSHA256),
            stream: .init(durationSeconds: info.duration, width: info.width, height: info.height, frameRate: info.frameRate,
                          codec: info.codec, rotation: info.rotation.rawValue),
            sampledFrames: raw.count, missingFrames: missing.isEmpty ? nil : missing, stoppedEarly: stoppedEarly,
            bytesFetched: reader.readStatistics.bytesFetched, timings: timings)
        Postprocessor(spec: config.postprocess, labels: labels)
            .apply(raw, timestamps: used, requested: requested, indices: indices, window: .init(planned: timestamps, windowEnd: plan.windowEnd(videoEnd: info.end)),
                   into: &result, perFrame: request.perFrame)
        result.timings.totalMs = Self.now() - started
        return result
    }

    private static func noTimeForAnyFrame(_ video: String, remainingMs: Int64) -> VideoFunctionError {
        VideoFunctionError(.timeout, "\(video): \(remainingMs) ms left before the deadline is not enough to analyse any frame; raise the function's timeout or ask for fewer frames")
    }

    /// Scores per frame of `output`, from a plan for one frame (shape inference, nothing run); nil
    /// when the model leaves a dimension other than the batch open, or has other inputs: then the
    /// first inference checks it. A model that cannot be planned for a batch (weights that do not
    /// fit their node, an attribute out of range) would fail every request: an init error.
    private static func scoresPerFrame(session: Session, input: String, output: String, owner: String) throws -> Int? {
        guard session.inputs.count == 1, let declared = session.inputs.first, declared.name == input,
              declared.shape.count >= 2, declared.shape.dropFirst().allSatisfy({ $0 != nil }) else { return nil }
        // One frame, or the batch the model fixes (it runs on batches of that size only).
        let batch = declared.shape.first.flatMap { $0 } ?? 1
        let shape = [batch] + declared.shape.dropFirst().map { $0! }
        let plan: ExecutionPlan
        do { plan = try session.plan(for: [input: Tensor(declared.elementType, shape: shape)]) } catch {
            throw VideoFunctionError(.invalidConfig, "\(owner): the model cannot run on a batch of its input's shape \(shape): \(error)")
        }
        guard let type = plan.inferredTypes[output], type.shape.first == batch, type.shape.count >= 2 else { return nil }
        return type.shape.dropFirst().reduce(1, *)
    }

    /// Runs the model on one batch and returns one row of scores per frame.
    private func infer(_ input: Tensor, frames: Int) throws -> [[Float]] {
        let outputs: [String: Tensor]
        do { outputs = try session.run([inputName: input]) }
        catch { throw VideoFunctionError(.inferenceFailed, "\(name): inference failed: \(error)") }
        guard let output = outputs[outputName], output.elementType == .float32, output.count % max(1, frames) == 0 else {
            throw VideoFunctionError(.inferenceFailed, "\(name): the model's output '\(outputName)' is not one float32 row per frame")
        }
        let width = output.count / frames
        guard width == labels.count else {
            throw VideoFunctionError(.inferenceFailed, "\(name): the model gives \(width) scores per frame but \(labels.count) labels are configured")
        }
        return try Self.rows(output.floats, width: width, source: "\(name): the model's output '\(outputName)'")
    }

    /// `values` as rows of `width` scores, one per frame. Scores are reported as JSON numbers,
    /// which have no NaN or infinity; and such a score means the model broke on this input, not
    /// that the frame scored high or low.
    static func rows(_ values: [Float], width: Int, source: String) throws -> [[Float]] {
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw VideoFunctionError(.inferenceFailed, "\(source) has a non-finite score (\(values[bad])) for frame \(bad / width + 1) of the batch")
        }
        return stride(from: 0, to: values.count, by: width).map { Array(values[$0..<($0 + width)]) }
    }

    /// Object-store failures mean the video is unavailable; anything VideoIO rejects is an invalid video.
    static func videoError(_ error: Error) -> VideoFunctionError {
        if let error = error as? VideoFunctionError { return error }
        if let error = error as? ObjectStoreError {
            if error.code == .deadline { return VideoFunctionError(.timeout, error.description, storeCode: error.code) }
            // A URI that does not parse, or of a scheme not served, is the event's fault: a bad field.
            if error.code == .invalidURI { return VideoFunctionError(.invalidEvent, error.description, storeCode: error.code) }
            return VideoFunctionError(.videoUnavailable, error.description, storeCode: error.code, storeS3Code: error.s3Code)
        }
        if let error = error as? VideoIOError {
            if error.code == .invalidRequest { return VideoFunctionError(.invalidEvent, error.description) }
            return VideoFunctionError(.invalidVideo, error.description)
        }
        return VideoFunctionError(.invalidVideo, "\(error)")
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e6 }
}
