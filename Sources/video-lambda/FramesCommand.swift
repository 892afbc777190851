// `video-lambda frames`: sample a video's frames as the model sees them, to PNG (or raw RGB), JSON and a contact sheet.
import ArgumentParser
import Foundation
import ObjectStore
import VideoIO

struct FramesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frames",
        abstract: "Write the sampled frames of a video (PNG, optionally raw RGB) and frames.json with their timestamps.",
        discussion: """
            Frames are the first shown at or after each time (as `ffmpeg -ss T -i FILE -frames:v 1`), turned upright, \
            resized as a model would get them. Example: video-lambda frames s3://bucket/clip.mp4 --count 16 --size 224x224 \
            --resize crop --out frames --contact-sheet frames/sheet.png
            """)

    @Argument(help: "The video: a path, file://, https:// or s3:// URI.") var uri: String
    @Option(help: "Sample N frames uniformly over the video (or --start/--end).") var count: Int?
    @Option(help: "Sample one frame every S seconds.") var every: Double?
    @Option(help: "Sample these times in seconds, comma-separated (e.g. 1.5,3,10.25).") var at: String?
    @Flag(help: "Sample keyframes only (fast, approximate).") var keyframes = false
    @Option(help: "Start of the range for --count and --every, in seconds.") var start: Double?
    @Option(help: "End of the range for --count and --every, in seconds (exclusive).") var end: Double?
    @Option(help: "Output size WxH (default: the video's upright size).") var size: String?
    @Option(help: "How frames fit --size: stretch, crop (shorter side, then centre crop) or letterbox.") var resize = "stretch"
    @Option(help: "Gray level (0-255) of letterbox bars.") var pad: UInt8 = 0
    @Option(help: "Resampling filter: \(ScalingAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")).") var scaler = "bilinear"
    @Option(help: "Directory for the frames and frames.json.") var out = "frames"
    @Flag(help: "Also write each frame as raw RGB24 bytes (.rgb).") var raw = false
    @Option(help: "Also draw all frames in one labelled grid into this PNG file.") var contactSheet: String?

    func run() throws {
        let plan = try samplingPlan()
        guard let algorithm = ScalingAlgorithm(rawValue: scaler) else {
            throw ValidationError("unknown scaler '\(scaler)'; use one of \(ScalingAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let mode: ResizeMode
        switch resize {
        case "stretch": mode = .stretch
        case "crop": mode = .centerCrop
        case "letterbox": mode = .letterbox(padding: pad)
        default: throw ValidationError("unknown resize mode '\(resize)'; use stretch, crop or letterbox")
        }
        let reader = try VideoReader(uri: resolvedURI, store: Self.store())
        let batch = try reader.frames(plan)
        // By default the upright picture at the shape a player shows: an anamorphic frame widened by
        // its pixel aspect ratio (its stored shape would crop or letterbox the shown picture).
        let shown = batch.frames.first.map { (Swift.max(1, Int($0.displayWidth.rounded())), $0.height) }
        let (width, height) = try outputSize(default: shown ?? (reader.info.width, reader.info.height))
        let preprocessor = Preprocessor(PreprocessOptions(width: width, height: height, resize: mode, algorithm: algorithm))
        let images = try batch.frames.map { try preprocessor.image(from: $0) }

        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var report = FramesReport(uri: uri, info: reader.info, width: width, height: height, resize: resize, scaler: scaler)
        for (position, (frame, image)) in zip(batch.frames, images).enumerated() {
            let name = String(format: "frame_%03d", position)
            try write(PNGEncoder.encode(image), to: name + ".png")
            if raw { try write(image.pixels, to: name + ".rgb") }
            report.frames.append(.init(file: name + ".png", raw: raw ? name + ".rgb" : nil, timestamp: frame.timestamp,
                                       requested: frame.requestedTimestamp, index: frame.index, keyframe: frame.isKeyframe,
                                       damaged: frame.isDamaged))
        }
        report.missing = batch.missing.map { .init(requested: $0.requestedTimestamp, reason: $0.reason) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try write(Array(try encoder.encode(report)) + [UInt8(ascii: "\n")], to: "frames.json")
        if let contactSheet {
            let labelled = zip(batch.frames, images).map { ($1, String(format: "%.3fs", $0.timestamp) + ($0.index.map { " #\($0)" } ?? "")) }
            let sheet = try ContactSheet.make(labelled.map { (image: $0.0, label: $0.1) })
            try Data(PNGEncoder.encode(sheet)).write(to: URL(fileURLWithPath: contactSheet))
        }
        for missing in batch.missing {
            FileHandle.standardError.write(Data("warning: no frame for \(missing.requestedTimestamp) s: \(missing.reason)\n".utf8))
        }
        print("wrote \(batch.frames.count) frames (\(width)x\(height)) and frames.json to \(out)"
              + (contactSheet.map { ", contact sheet to \($0)" } ?? ""))
    }

    private func samplingPlan() throws -> SamplingPlan {
        let chosen = [count != nil, every != nil, at != nil, keyframes].filter { $0 }.count
        guard chosen <= 1 else { throw ValidationError("choose one of --count, --every, --at and --keyframes") }
        if let every { return .every(seconds: every, start: start, end: end) }
        if let at {
            let parts = at.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let times = try parts.map { part -> Double in
                guard let value = Double(part) else { throw ValidationError("--at: '\(part)' is not a number of seconds") }
                return value
            }
            return .timestamps(times)
        }
        if keyframes { return .keyframes() }
        return .uniform(count: count ?? 8, start: start, end: end)
    }

    private func outputSize(default upright: (Int, Int)) throws -> (Int, Int) {
        guard let size else { return upright }
        let parts = size.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts[0] > 0, parts[1] > 0 else {
            throw ValidationError("--size '\(size)' is not WIDTHxHEIGHT (e.g. 224x224)")
        }
        return (parts[0], parts[1])
    }

    /// Plain relative paths become absolute: the access policy checks real paths.
    private var resolvedURI: String {
        if uri.contains("://") || uri.hasPrefix("/") { return uri }
        return URL(fileURLWithPath: uri).standardizedFileURL.path
    }

    /// The person running the command may read any local file; remote access follows the
    /// environment (AWS_* credentials, AWS_ENDPOINT_URL_S3, CURL_CA_BUNDLE) as in the function.
    private static func store() -> ObjectStore {
        let environment = ProcessInfo.processInfo.environment
        var policy = AccessPolicy.fromEnvironment(environment)
        policy.allowedRoots.append("/")
        return ObjectStore(policy: policy, s3: .fromEnvironment(environment), caBundle: ObjectStore.caBundle(in: environment))
    }

    private func write(_ bytes: [UInt8], to name: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: out).appendingPathComponent(name))
    }
}
