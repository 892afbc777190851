// The real pretrained models against onnxruntime on decoded video frames (data sets from `make models`).
import Foundation
import Inference
import ONNX
import TestServers
import XCTest

final class RealModelTests: XCTestCase {
    private func check(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let directory = RepoPaths.cache("models/\(name)")
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("model.onnx.zst").path) else {
            throw XCTSkip("\(directory.path) is missing: run `make models`")
        }
        // 1e-4 absolute on probabilities (and on logits), with no relative slack.
        let results = try ModelCheck(directory: directory.path, absoluteTolerance: 1e-4, relativeTolerance: 0,
                                     options: SessionOptions(threads: 2)).run()
        XCTAssertEqual(results.count, 2, file: file, line: line)
        for result in results {
            for output in result.outputs {
                XCTAssertTrue(output.comparison.passed, "\(name) \(result.name) \(output.name): max abs error \(output.comparison.maxAbsoluteError)", file: file, line: line)
            }
        }
    }

    func testOpenNSFWMatchesOnnxRuntime() throws { try check("open-nsfw") }

    /// ResNet's 16 residual Adds are fused into their Convs (the rewrite works out the shapes for a
    /// batch of two from the declared input [?, 224, 224, 3]); none is left as an Add.
    func testOpenNSFWFusesEveryResidualBlock() throws {
        let path = RepoPaths.cache("models/open-nsfw/model.onnx.zst").path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) is missing: run `make models`") }
        let session = try Session(graph: try ModelLoader.load(path: path).graph, options: SessionOptions(threads: 1))
        let fused = session.graph.nodes.filter { ($0.op as? Conv)?.addsResidual == true || ($0.op as? WinogradConv)?.addsResidual == true }
        XCTAssertEqual(fused.count, 16)
        XCTAssertFalse(session.graph.nodes.contains { $0.op is Add && $0.inputs.allSatisfy { session.graph.constants[$0] == nil } })
    }
    func testOpenNSFWLogitsMatchOnnxRuntime() throws { try check("open-nsfw-logits") }
    func testPPLCNetOrientationMatchesOnnxRuntime() throws { try check("pp-lcnet-orientation") }
    func testPPLCNetOrientationLogitsMatchOnnxRuntime() throws { try check("pp-lcnet-orientation-logits") }

    func testTheOrientationModelCarriesItsLabels() throws {
        let path = RepoPaths.cache("models/pp-lcnet-orientation/model.onnx.zst").path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("run `make models`") }
        let model = try ModelLoader.load(path: path)
        XCTAssertEqual(model.metadata["character"]?.split(separator: "\n"), ["0", "90", "180", "270"])
        XCTAssertEqual(model.opset, 15)
    }
}
