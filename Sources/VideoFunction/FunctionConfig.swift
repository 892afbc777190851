// function.json: everything that makes a directory of functions/ a video function, declared not coded.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LambdaRuntime
import VideoIO

/// The decoded function.json of one function.
public struct FunctionConfig: Decodable, Sendable {
    public struct ModelSpec: Decodable, Sendable {
        /// Shown in responses.
        public var name: String
        /// Relative to the function's directory, or any object-store URI (s3://, https://).
        public var uri: String
        /// sha256 of the ONNX model (decompressed); loading fails on any other model.
        public var sha256: String?
        /// The graph input the frames go to (default: the first input).
        public var input: String?
        /// The graph output to read (default: the first output).
        public var output: String?
    }

    public struct ResizeSpec: Decodable, Sendable {
        /// stretch | center-crop | letterbox | shorter-side-then-crop | stretch-then-crop
        public var mode: String
        public var shorterSide: Int?
        public var width: Int?
        public var height: Int?
        public var padding: Int?
    }

    public struct PreprocessSpec: Decodable, Sendable {
        public var width: Int
        public var height: Int
        public var resize: ResizeSpec
        /// rgb | bgr: the tensor's channel order; mean and std are given in this order.
        public var channels: String
        public var scale: Float
        public var mean: [Float]
        public var std: [Float]
        /// nchw | nhwc | ncthw
        public var layout: String
        /// Scaler for the resize (default bilinear).
        public var algorithm: String?
    }

    public struct SamplingSpec: Decodable, Sendable {
        /// Default frame count of a request that does not say.
        public var frames: Int
        /// Most frames one request may ask for.
        public var maximumFrames: Int?
        /// Frames per inference batch (default 8).
        public var batchSize: Int?

        /// maximumFrames, 256 when not given.
        var frameLimit: Int { maximumFrames ?? 256 }
        /// batchSize, 8 when not given.
        var batch: Int { batchSize ?? 8 }

        /// Counts from 1 up: frames within maximumFrames within what one request may sample at all.
        func check(path: String) throws {
            let limit = VideoLimits.defaultMaximumFramesPerRequest, maximum = frameLimit
            guard (1...limit).contains(maximum), (1...maximum).contains(frames), (1...maximum).contains(batchSize ?? 1) else {
                throw VideoFunctionError(.invalidConfig, "\(path): sampling needs 1 <= frames (\(frames)) and batchSize (\(batchSize ?? 1)) <= maximumFrames (\(maximum)) <= \(limit)")
            }
        }
    }

    public struct ThresholdSpec: Decodable, Sendable {
        /// The label whose score is compared.
        public var label: String
        public var value: Float
        /// Verdict below and at-or-above the threshold.
        public var verdicts: [String]

        /// Throws unless the label is one of `labels` (`owner` names the function.json or function).
        func check(labels: [String], owner: String) throws {
            guard labels.contains(label) else {
                throw VideoFunctionError(.invalidConfig, "\(owner): postprocess.threshold.label '\(label)' is not one of the labels \(labels)")
            }
        }
    }

    public struct PostprocessSpec: Decodable, Sendable {
        /// Throws when topK asks for more labels than there are (`owner` names the function.json or
        /// function): it would quietly give fewer.
        func checkTopK(labels: [String], owner: String) throws {
            if let topK, topK > labels.count {
                throw VideoFunctionError(.invalidConfig, "\(owner): postprocess.topK is \(topK), but there are \(labels.count) labels")
            }
        }

        /// none | softmax | sigmoid, applied to the model's output per frame.
        public var activation: String
        /// Labels reported per frame, best first.
        public var topK: Int?
        /// mean and/or max of every label's score over the frames.
        public var aggregate: [String]?
        /// Flag frames (and time ranges) whose score for a label reaches a value.
        public var threshold: ThresholdSpec?
        /// Majority vote of the per-frame best labels, with its share as the confidence.
        public var vote: Bool?
        /// What each label means to a user (echoed with the vote's winner).
        public var labelMeanings: [String: String]?
    }

    public var description: String?
    public var model: ModelSpec
    public var preprocess: PreprocessSpec
    public var sampling: SamplingSpec
    /// Labels, one per model output; or the name of a model metadata entry holding them, one per line.
    public var labels: [String]?
    public var labelsFromModelMetadata: String?
    public var postprocess: PostprocessSpec

    /// Reads and checks `directory/function.json`.
    public static func load(directory: String) throws -> FunctionConfig {
        let path = directory + "/function.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VideoFunctionError(.invalidConfig, "\(path): cannot read the function's configuration")
        }
        let config: FunctionConfig
        do { config = try JSONDecoder().decode(FunctionConfig.self, from: data) }
        catch { throw VideoFunctionError(.invalidConfig, "\(path): \(DecodingErrorText.describe(error))") }
        if let unknown = unknownKey(in: data) {
            throw VideoFunctionError(.invalidConfig, "\(path): '\(unknown)' is not a setting (misspelt? the README's function.json table lists them)")
        }
        let options = try config.preprocessOptions(path: path)
        do { try options.check() } catch let error as VideoIOError {
            throw VideoFunctionError(.invalidConfig, "\(path): preprocess: \(error.reason)")
        }
        guard ["none", "softmax", "sigmoid"].contains(config.postprocess.activation) else {
            throw VideoFunctionError(.invalidConfig, "\(path): postprocess.activation '\(config.postprocess.activation)' is not none, softmax or sigmoid")
        }
        guard config.labels != nil || config.labelsFromModelMetadata != nil else {
            throw VideoFunctionError(.invalidConfig, "\(path): give labels or labelsFromModelMetadata")
        }
        guard config.labels?.isEmpty != true else { throw VideoFunctionError(.invalidConfig, "\(path): labels is empty") }
        try config.sampling.check(path: path)
        if let unknown = config.postprocess.aggregate?.first(where: { !["mean", "max"].contains($0) }) {
            throw VideoFunctionError(.invalidConfig, "\(path): postprocess.aggregate '\(unknown)' is not mean or max")
        }
        if let topK = config.postprocess.topK, topK < 1 {
            throw VideoFunctionError(.invalidConfig, "\(path): postprocess.topK must be at least 1, not \(topK)")
        }
        if let threshold = config.postprocess.threshold {
            guard threshold.verdicts.count == 2, threshold.value.isFinite else {
                throw VideoFunctionError(.invalidConfig, "\(path): postprocess.threshold needs a finite value and two verdicts (below, at or above)")
            }
            if let labels = config.labels { try threshold.check(labels: labels, owner: path) }
        }
        if let labels = config.labels { try config.postprocess.checkTopK(labels: labels, owner: path) }
        return config
    }

    /// The VideoIO preprocessing these settings describe.
    public func preprocessOptions(path: String = "function.json") throws -> PreprocessOptions {
        let p = preprocess
        func invalid(_ reason: String) -> VideoFunctionError { VideoFunctionError(.invalidConfig, "\(path): preprocess.\(reason)") }
        let resize: ResizeMode
        switch p.resize.mode {
        case "stretch": resize = .stretch
        case "center-crop": resize = .centerCrop
        case "letterbox": resize = .letterbox(padding: UInt8(clamping: p.resize.padding ?? 0))
        case "shorter-side-then-crop":
            guard let side = p.resize.shorterSide else { throw invalid("resize.shorterSide is needed for shorter-side-then-crop") }
            resize = .shorterSideThenCrop(shorterSide: side)
        case "stretch-then-crop":
            guard let width = p.resize.width, let height = p.resize.height else { throw invalid("resize.width and height are needed for stretch-then-crop") }
            resize = .stretchThenCrop(width: width, height: height)
        default: throw invalid("resize.mode '\(p.resize.mode)' is not stretch, center-crop, letterbox, shorter-side-then-crop or stretch-then-crop")
        }
        guard let order = ChannelOrder(rawValue: p.channels) else { throw invalid("channels '\(p.channels)' is not rgb or bgr") }
        let layout: TensorLayout
        switch p.layout {
        case "nchw": layout = .nchw
        case "nhwc": layout = .nhwc
        case "ncthw": layout = .ncthw(clipLength: nil)
        default: throw invalid("layout '\(p.layout)' is not nchw, nhwc or ncthw")
        }
        guard let algorithm = ScalingAlgorithm(rawValue: p.algorithm ?? "bilinear") else { throw invalid("algorithm '\(p.algorithm ?? "")' is not a scaler") }
        guard p.mean.count == 3, p.std.count == 3 else { throw invalid("mean and std need 3 values each") }
        // function.json gives mean and std in the tensor's channel order; VideoIO takes them as R, G, B.
        let rgbMean = order == .bgr ? Array(p.mean.reversed()) : p.mean
        let rgbStd = order == .bgr ? Array(p.std.reversed()) : p.std
        return PreprocessOptions(width: p.width, height: p.height, resize: resize, algorithm: algorithm, channelOrder: order,
                                 normalization: Normalization(scale: p.scale, mean: rgbMean, std: rgbStd), layout: layout)
    }
}
