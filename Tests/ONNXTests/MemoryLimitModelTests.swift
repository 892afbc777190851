// A model whose tensor outgrows the function's memory is an error naming the node, in a process
// that exits by itself: the tensor used to be allocated and zeroed until the process was killed.
import Foundation
import Inference
import TestServers
import XCTest
@testable import ONNX

final class MemoryLimitModelTests: XCTestCase {
    /// big = ConstantOfShape([16384, 16384]): 1 GiB of float32, from a model of a few bytes.
    private func writeModel(in directory: URL) throws {
        var model = Onnx_ModelProto()
        model.irVersion = 8
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 17
        model.opsetImport = [opset]
        var node = Onnx_NodeProto()
        node.opType = "ConstantOfShape"; node.name = "fill"; node.input = ["shape"]; node.output = ["big"]
        model.graph.node = [node]
        model.graph.initializer = [Tensor(int64: [16384, 16384], shape: [2]).onnxProto(name: "shape")]
        var output = Onnx_ValueInfoProto()
        output.name = "big"
        output.type.tensorType.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        model.graph.output = [output]
        try Data(try model.serializedBytes() as [UInt8]).write(to: directory.appendingPathComponent("model.onnx"))
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("test_data_set_0"), withIntermediateDirectories: true)
    }

    func testATensorPastTheFunctionsMemoryIsAnErrorNamingTheNode() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("memory-limit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try writeModel(in: directory)
        let result = try CommandRun.run(BuiltProducts.executable("video-lambda"), ["check-model", directory.path],
                                        environment: ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128"])
        XCTAssertTrue(result.exited, "killed instead of failing: \(result.output)")
        XCTAssertEqual(result.status, 2, result.output)
        XCTAssertTrue(result.output.contains("node 'fill'") || result.output.contains("ConstantOfShape"), result.output)
        XCTAssertTrue(result.output.contains("needs 1073741824 bytes, more than the 134217728 bytes this process may use"), result.output)
    }
}
