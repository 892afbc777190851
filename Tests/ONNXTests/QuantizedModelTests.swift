// Models quantized to 8 bits the way users quantize them (onnxruntime's quantize_static, QDQ
// format), against onnxruntime running the same quantized model as written.
import Foundation
import Inference
import ONNX
import TestServers
import XCTest

final class QuantizedModelTests: XCTestCase {
    private struct Quantized {
        let directory: URL
        /// How far onnxruntime's optimised session (its fused int8 kernels) is from the model as written.
        let fusedMaxAbs: Double
    }

    /// Quantizes `model` from the cache with `scripts/quantize_model.py` into a temporary directory.
    private func quantize(_ model: String, _ flags: [String] = []) throws -> Quantized {
        let source = RepoPaths.cache("models/\(model)")
        guard FileManager.default.fileExists(atPath: source.appendingPathComponent("model.onnx.zst").path) else {
            throw XCTSkip("\(source.path) is missing: run `make models`")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("quantized-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let run = try CommandRun.run(RepoPaths.root.appendingPathComponent(".venv/bin/python").path,
                                     [RepoPaths.root.appendingPathComponent("scripts/quantize_model.py").path, source.path, directory.path] + flags,
                                     errors: false)
        XCTAssertEqual(run.status, 0, run.output)
        let summary = try JSONSerialization.jsonObject(with: Data(run.output.split(separator: "\n").last.map(String.init)?.utf8 ?? "".utf8)) as? [String: Any]
        let fused = try XCTUnwrap(summary?["fused_max_abs"] as? Double, run.output)
        return Quantized(directory: directory, fusedMaxAbs: fused)
    }

    /// Every data set (real frames, mirrored, darkened) within what onnxruntime's own optimised
    /// session differs from the model's definition. Exact agreement is not to be had: a sum in
    /// another order moves a value across a rounding boundary of the next QuantizeLinear, and the
    /// step it then takes carries on through the layers after it (PP-LCNet's seventh depthwise
    /// convolution is the first such place on one of its frames). A wrong scale, zero point or
    /// axis moves the probabilities by tenths.
    private func checkAgainstDefinition(_ quantized: Quantized, file: StaticString = #filePath, line: UInt = #line) throws {
        let results = try ModelCheck(directory: quantized.directory.path, absoluteTolerance: quantized.fusedMaxAbs + 1e-6, relativeTolerance: 0,
                                     options: SessionOptions(threads: 2)).run()
        XCTAssertEqual(results.count, 6, file: file, line: line)
        for result in results {
            for output in result.outputs {
                XCTAssertTrue(output.comparison.passed, "\(result.name) \(output.name): max abs error \(output.comparison.maxAbsoluteError), "
                              + "onnxruntime's fused kernels \(quantized.fusedMaxAbs)", file: file, line: line)
            }
        }
    }

    func testPerChannelQuantizedModelMatchesItsDefinition() throws {
        try checkAgainstDefinition(try quantize("pp-lcnet-orientation"))
    }

    func testPerTensorInt8QuantizedModelMatchesItsDefinition() throws {
        try checkAgainstDefinition(try quantize("pp-lcnet-orientation", ["--per-tensor", "--int8-activations"]))
    }

    /// The weights' DequantizeLinear nodes are folded when the model loads: the convolutions run on
    /// float weights made once, and only the activations' quantize and dequantize steps are left,
    /// each pair as one pass.
    func testQuantizedWeightsAreDequantizedOnceAtLoad() throws {
        let quantized = try quantize("pp-lcnet-orientation")
        let model = try ModelLoader.load(path: quantized.directory.appendingPathComponent("model.onnx").path)
        XCTAssertGreaterThan(model.graph.nodes.filter { $0.op is DequantizeLinear && model.graph.constants[$0.inputs[0]] != nil }.count, 30)
        let session = try Session(graph: model.graph, options: SessionOptions(threads: 1))
        XCTAssertFalse(session.graph.nodes.contains { $0.op is DequantizeLinear && session.graph.constants[$0.inputs[0]] != nil })
        // Each activation's QuantizeLinear and DequantizeLinear are one pass.
        XCTAssertFalse(session.graph.nodes.contains { $0.op is QuantizeLinear || $0.op is DequantizeLinear })
        XCTAssertGreaterThan(session.graph.nodes.filter { $0.op is QuantizeDequantize }.count, 60)
        XCTAssertFalse(session.graph.constants.values.contains { $0.elementType == .int8 && $0.count > 1 }, "the int8 weights are let go once folded")
    }
}
