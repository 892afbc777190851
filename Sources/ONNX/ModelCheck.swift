// Running a model directory in the ONNX backend-test layout and comparing with its expected outputs.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Inference

/// A directory with model.onnx (or model.onnx.zst) and test_data_set_N/{input,output}_K.pb.
public struct ModelCheck {
    public struct DataSetResult: Sendable {
        public let name: String
        public let outputs: [(name: String, comparison: TensorComparison)]
        public var passed: Bool { outputs.allSatisfy { $0.comparison.passed } }
    }

    public let directory: String
    public var absoluteTolerance: Double
    public var relativeTolerance: Double
    public var options: SessionOptions

    public init(directory: String, absoluteTolerance: Double = 1e-4, relativeTolerance: Double = 1e-3, options: SessionOptions = SessionOptions()) {
        self.directory = directory
        self.absoluteTolerance = absoluteTolerance
        self.relativeTolerance = relativeTolerance
        self.options = options
    }

    public func modelPath() throws -> String {
        for name in ["model.onnx.zst", "model.onnx"] where FileManager.default.fileExists(atPath: directory + "/" + name) {
            return directory + "/" + name
        }
        throw ModelError(.io, "\(directory): no model.onnx or model.onnx.zst")
    }

    public func dataSets() throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let sets = names.filter { $0.hasPrefix("test_data_set_") }.sorted { (Int($0.dropFirst(14)) ?? 0) < (Int($1.dropFirst(14)) ?? 0) }
        guard !sets.isEmpty else { throw ModelError(.io, "\(directory): no test_data_set_N directories") }
        return sets
    }

    /// Runs every data set; throws only when the model cannot load or a data set cannot be read or run.
    public func run() throws -> [DataSetResult] {
        let model = try ModelLoader.load(path: try modelPath())
        let session = try Session(graph: model.graph, options: options)
        return try dataSets().map { set in
            let path = directory + "/" + set
            var feeds: [String: Tensor] = [:]
            for (index, input) in model.graph.inputs.enumerated() {
                feeds[input.name] = try Self.readTensor(path + "/input_\(index).pb")
            }
            let results = try session.run(feeds)
            let comparisons = try model.graph.outputs.enumerated().map { index, name -> (String, TensorComparison) in
                let expected = try Self.readTensor(path + "/output_\(index).pb")
                guard let actual = results[name] else { throw ModelError(.invalidModel, "output '\(name)' was not produced") }
                return (name, TensorComparison(actual: actual, expected: expected, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance))
            }
            return DataSetResult(name: set, outputs: comparisons)
        }
    }

    public static func readTensor(_ path: String) throws -> Tensor {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelError(.io, "\(path): cannot read") }
        let proto: Onnx_TensorProto
        do { proto = try Onnx_TensorProto(serializedBytes: data) } catch { throw ModelError(.invalidModel, "\(path): not a TensorProto (\(error))") }
        return try Tensor(onnx: proto, what: path)
    }

    /// Writes `tensor` as a TensorProto file (for scripts and tests that build data sets).
    public static func writeTensor(_ tensor: Tensor, name: String, to path: String) throws {
        let data: Data = try tensor.onnxProto(name: name).serializedData()
        try data.write(to: URL(fileURLWithPath: path))
    }
}
