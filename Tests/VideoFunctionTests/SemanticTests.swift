// What the functions say about videos whose answer is known: text turned by 0/90/180/270 degrees,
// and moderation scores equal to onnxruntime's on the same decoded frames.
import Foundation
import Inference
import ObjectStore
import ONNX
import TestServers
import VideoIO
import XCTest
@testable import VideoFunction

final class SemanticTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("semantic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: directory) }

    private func analyzer(_ function: String) throws -> VideoAnalyzer {
        let path = RepoPaths.root.appendingPathComponent("functions/\(function)").path
        guard FileManager.default.fileExists(atPath: path + "/model/model.onnx.zst") else { throw XCTSkip("run `make models`") }
        let store = ObjectStore(policy: AccessPolicy(allowedRoots: [directory.path, RepoPaths.cache("videos").path]), s3: .fromEnvironment([:]))
        return try VideoAnalyzer(directory: path, name: function, store: store, threads: 2)
    }

    /// Labels that do not match the model's scores per frame fail the init, naming both counts: they
    /// failed every request instead (Function.InferenceFailed), and the deploy looked fine.
    func testLabelsThatDoNotMatchTheModelFailTheInit() throws {
        let shipped = RepoPaths.root.appendingPathComponent("functions/video-orientation")
        guard FileManager.default.fileExists(atPath: shipped.path + "/model/model.onnx.zst") else { throw XCTSkip("run `make models`") }
        let copy = directory.appendingPathComponent("three-labels")
        try FileManager.default.createDirectory(at: copy.appendingPathComponent("model"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: copy.appendingPathComponent("model/model.onnx.zst"),
                                                   withDestinationURL: shipped.appendingPathComponent("model/model.onnx.zst"))
        var config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: shipped.appendingPathComponent("function.json"))) as? [String: Any])
        config["labelsFromModelMetadata"] = nil
        config["labels"] = ["0", "90", "180"]
        var postprocess = try XCTUnwrap(config["postprocess"] as? [String: Any])
        postprocess["labelMeanings"] = nil
        config["postprocess"] = postprocess
        try JSONSerialization.data(withJSONObject: config).write(to: copy.appendingPathComponent("function.json"))
        let store = ObjectStore(policy: AccessPolicy(allowedRoots: [directory.path]), s3: .fromEnvironment([:]))
        XCTAssertThrowsError(try VideoAnalyzer(directory: copy.path, name: "three-labels", store: store, threads: 1)) { error in
            XCTAssertEqual((error as? VideoFunctionError)?.code, .invalidConfig, "\(error)")
            XCTAssertTrue("\(error)".contains("gives 4 scores per frame but function.json's labels has 3 labels"), "\(error)")
        }
    }

    /// A function of the orientation function's settings whose model is `python`'s (writing
    /// sys.argv[1], input "x", output "y"), and the analyzer made from it.
    private func analyzer(model python: String, name: String) throws -> VideoAnalyzer {
        let shipped = RepoPaths.root.appendingPathComponent("functions/video-orientation")
        let copy = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: copy.appendingPathComponent("model"), withIntermediateDirectories: true)
        try run(RepoPaths.root.appendingPathComponent(".venv/bin/python").path, ["-c", python, copy.appendingPathComponent("model/model.onnx").path])
        var config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: shipped.appendingPathComponent("function.json"))) as? [String: Any])
        config["model"] = ["name": name, "uri": "model/model.onnx", "input": "x", "output": "y"]
        config["labelsFromModelMetadata"] = nil
        config["labels"] = ["0", "90", "180", "270"]
        try JSONSerialization.data(withJSONObject: config).write(to: copy.appendingPathComponent("function.json"))
        let store = ObjectStore(policy: AccessPolicy(allowedRoots: [directory.path]), s3: .fromEnvironment([:]))
        return try VideoAnalyzer(directory: copy.path, name: name, store: store, threads: 1)
    }

    /// A model that loads but cannot run on its input (here a Transpose whose perm repeats an axis)
    /// fails the init, naming its node: it loaded, and failed every request. One whose batch is
    /// fixed is planned for that batch, the only one it runs on.
    func testAModelThatCannotRunOnItsInputFailsTheInit() throws {
        let transpose = """
            import onnx, onnx.helper as h, sys
            x = h.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 3, 8, 8])
            y = h.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)
            node = h.make_node("Transpose", ["x"], ["y"], name="repeats-an-axis", perm=[0, 0, 1, 2])
            onnx.save(h.make_model(h.make_graph([node], "g", [x], [y]), opset_imports=[h.make_opsetid("", 17)]), sys.argv[1])
            """
        XCTAssertThrowsError(try analyzer(model: transpose, name: "unrunnable")) { error in
            XCTAssertEqual((error as? VideoFunctionError)?.code, .invalidConfig, "\(error)")
            XCTAssertTrue("\(error)".contains("unrunnable: the model cannot run on a batch of its input's shape [1, 3, 8, 8]: node 'repeats-an-axis'"), "\(error)")
        }
        // Batches of 8, four scores each (a mean over the picture's rows): planned for 8, it loads.
        let fixedBatch = """
            import onnx, onnx.helper as h, sys
            x = h.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [8, 3, 4, 4])
            y = h.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [8, 4])
            node = h.make_node("ReduceMean", ["x"], ["y"], axes=[1, 2], keepdims=0)
            onnx.save(h.make_model(h.make_graph([node], "g", [x], [y]), opset_imports=[h.make_opsetid("", 17)]), sys.argv[1])
            """
        XCTAssertNoThrow(try analyzer(model: fixedBatch, name: "fixed-batch"))
    }

    /// A model that takes uint8 pixels fails the init, naming its input's type: the function feeds
    /// float32 frames, and it loaded, then failed every request.
    func testAModelWhoseInputIsNotFloatFailsTheInit() throws {
        let bytes = """
            import onnx, onnx.helper as h, sys
            x = h.make_tensor_value_info("x", onnx.TensorProto.UINT8, [1, 3, 4, 4])
            y = h.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 4])
            cast = h.make_node("Cast", ["x"], ["f"], to=onnx.TensorProto.FLOAT)
            node = h.make_node("ReduceMean", ["f"], ["y"], axes=[1, 2], keepdims=0)
            onnx.save(h.make_model(h.make_graph([cast, node], "g", [x], [y]), opset_imports=[h.make_opsetid("", 17)]), sys.argv[1])
            """
        XCTAssertThrowsError(try analyzer(model: bytes, name: "uint8-input")) { error in
            XCTAssertEqual((error as? VideoFunctionError)?.code, .invalidConfig, "\(error)")
            XCTAssertTrue("\(error)".contains("uint8-input: the model's input 'x' is uint8; the function feeds float32 frames"), "\(error)")
        }
    }

    @discardableResult
    private func run(_ executable: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw XCTSkip("\(executable) failed") }
        return data
    }

    /// Lines of black text on white, turned by ffmpeg's transpose/flip filters.
    private func textVideo(turn filter: String?, name: String) throws -> String {
        let font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
        guard FileManager.default.fileExists(atPath: font) else { throw XCTSkip("\(font) is missing (fonts-dejavu-core)") }
        let lines = ["The quick brown fox jumps", "over the lazy dog 12345", "Orientation test video", "Lorem ipsum dolor sit"]
        var filters = lines.enumerated().map { "drawtext=fontfile=\(font):text='\($1)':x=20:y=\(40 + 80 * $0):fontsize=40:fontcolor=black" }
        if let filter { filters.append(filter) }
        let path = directory.appendingPathComponent(name).path
        try run("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "color=white:s=640x360:d=2:r=10", "-vf", filters.joined(separator: ","),
                           "-c:v", "libx264", "-pix_fmt", "yuv420p", path])
        return path
    }

    func testOrientationOfTurnedText() throws {
        let orientation = try analyzer("video-orientation")
        // transpose=1 turns the picture 90° clockwise, transpose=2 counter-clockwise.
        for (filter, expected) in [(nil, "0"), ("transpose=1", "90"), ("hflip,vflip", "180"), ("transpose=2", "270")] as [(String?, String)] {
            let video = try textVideo(turn: filter, name: "text-\(expected).mp4")
            let result = try orientation.analyze(VideoRequest(video: video, frames: 4))
            XCTAssertEqual(result.vote?.label, expected, "\(filter ?? "upright"): \(String(describing: result.vote))")
            XCTAssertGreaterThanOrEqual(result.vote?.confidence ?? 0, 0.75)
        }
    }

    /// A file cut short (decodable to 5.9 s of its 10): a batch whose frames all lie past the cut is
    /// missing frames, not the end of the analysis. (It failed the request, and the frames the first
    /// batch had analysed were lost.)
    func testABatchPastTheEndOfATruncatedFileLeavesTheOthersResults() throws {
        let moderation = try analyzer("video-moderation")
        let video = RepoPaths.cache("videos/truncated_moov_first.mp4").path
        // 16 frames from 2 s, 0.5 s apart, in batches of 8: the second batch (6 s on) is all past the cut.
        let result = try moderation.analyze(VideoRequest(video: video, frames: 16, start: 2, end: 10, perFrame: true))
        XCTAssertEqual(result.sampledFrames, 8)
        XCTAssertEqual(result.missingFrames?.count, 8)
        XCTAssertTrue(result.missingFrames?.allSatisfy { $0.timestamp >= 6 && $0.reason.contains("truncated") } == true,
                      "\(String(describing: result.missingFrames))")
        XCTAssertNil(result.stoppedEarly)
        // Past the cut only: nothing decodes, and that is the error.
        XCTAssertThrowsError(try moderation.analyze(VideoRequest(video: video, frames: 4, start: 7, end: 10))) { error in
            XCTAssertEqual((error as? VideoFunctionError)?.code, .invalidVideo, "\(error)")
            XCTAssertTrue("\(error)".contains("none of the 4 sampled frames could be decoded"), "\(error)")
        }
        // A first batch that decoded nothing, then no time for the next: the error tells of both.
        var checks = 0
        XCTAssertThrowsError(try moderation.analyze(VideoRequest(video: video, frames: 16, start: 6, end: 10)) {
            checks += 1
            return checks <= 2 ? 60_000 : 10
        }) { error in
            XCTAssertEqual((error as? VideoFunctionError)?.code, .timeout, "\(error)")
            XCTAssertTrue("\(error)".contains("none of the 8 frames tried decoded (") && "\(error)".contains("not enough for the next 8"), "\(error)")
        }
    }

    func testTheDeadlineStopsTheWorkEarlyOrFailsClearly() throws {
        let moderation = try analyzer("video-moderation")
        let video = RepoPaths.cache("videos/h264.mp4").path
        // 12 frames in batches of 8 (function.json), each decoded on every core: all of them, in order.
        let full = try moderation.analyze(VideoRequest(video: video, frames: 12, perFrame: true))
        XCTAssertEqual(full.sampledFrames, 12)
        XCTAssertNil(full.stoppedEarly)
        let times = try XCTUnwrap(full.frames).map(\.timestamp)
        XCTAssertEqual(times, times.sorted())
        // Time for the first batch only (the clock is read before opening the video, then before
        // each batch): the answer covers it and says why it stopped.
        var checks = 0
        let partial = try moderation.analyze(VideoRequest(video: video, frames: 12)) {
            checks += 1
            return checks <= 2 ? 60_000 : 10
        }
        XCTAssertEqual(partial.sampledFrames, 8)
        XCTAssertTrue(partial.stoppedEarly?.contains("analysed 8 of 12 frames") == true, "\(String(describing: partial.stoppedEarly))")
        XCTAssertEqual(full.threshold?.verdict, "safe")
        XCTAssertEqual(partial.threshold?.verdict, "incomplete", "4 frames were never looked at")
        // No time for anything: a timeout error that says what to do.
        XCTAssertThrowsError(try moderation.analyze(VideoRequest(video: video, frames: 12)) { 10 }) { error in
            XCTAssertEqual((error as? VideoFunctionError)?.code, .timeout)
            XCTAssertTrue("\(error)".contains("raise the function's timeout"), "\(error)")
        }
        // Checked before the video is opened: a video that is not there is not even looked for.
        XCTAssertThrowsError(try moderation.analyze(VideoRequest(video: RepoPaths.cache("videos/absent.mp4").path)) { 10 }) { error in
            XCTAssertEqual((error as? VideoFunctionError)?.code, .timeout, "\(error)")
        }
    }

    func testModerationScoresEqualOnnxRuntimeOnTheSameFrames() throws {
        let moderation = try analyzer("video-moderation")
        let video = RepoPaths.cache("videos/h264.mp4").path
        let result = try moderation.analyze(VideoRequest(video: video, frames: 6, perFrame: true))
        let frames = try XCTUnwrap(result.frames)
        // The same frames through the same preprocessing, then onnxruntime on that tensor.
        let reader = try VideoReader(uri: video, store: moderation.store)
        let batch = try reader.frames(at: frames.map(\.timestamp))
        let tensor = try Preprocessor(try moderation.config.preprocessOptions()).tensor(from: batch.frames)
        let input = directory.appendingPathComponent("input_0.pb").path
        try ModelCheck.writeTensor(tensor, name: "input:0", to: input)
        let model = RepoPaths.root.appendingPathComponent("functions/video-moderation/model/model.onnx.zst").path
        let output = try run(RepoPaths.root.appendingPathComponent(".venv/bin/python").path,
                             [RepoPaths.root.appendingPathComponent("scripts/ort_scores.py").path, model, input])
        let oracle = try XCTUnwrap(try JSONSerialization.jsonObject(with: output) as? [[Double]])
        XCTAssertEqual(oracle.count, frames.count)
        for (frame, expected) in zip(frames, oracle) {
            let unsafe = Double(frame.top.first { $0.label == "unsafe" }!.score)
            XCTAssertEqual(unsafe, expected[1], accuracy: 1e-4, "frame at \(frame.timestamp)")
        }
    }
}
