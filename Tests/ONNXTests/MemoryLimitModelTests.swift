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

    /// `check-model` in a 128 MB function on the small test model with `initializer` added; it
    /// must end by itself with an error saying it needs more than the 134217728 bytes there are.
    private func checkModelIn128MB(adding initializer: Onnx_TensorProto, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("memory-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("test_data_set_0"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var model = ModelLoaderTests.model()
        model.graph.initializer.append(initializer)
        try Data(try model.serializedBytes() as [UInt8]).write(to: directory.appendingPathComponent("model.onnx"))
        let result = try CommandRun.run(BuiltProducts.executable("video-lambda"), ["check-model", directory.path],
                                        environment: ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128"])
        XCTAssertTrue(result.exited, "killed instead of failing: \(result.output)", file: file, line: line)
        XCTAssertNotEqual(result.status, 0, result.output, file: file, line: line)
        XCTAssertTrue(result.output.contains("more than the 134217728 bytes this process may use"), result.output, file: file, line: line)
        return result.output
    }

    /// 20 million zeros of int64_data: 20 MB in the file (a few KB compressed), 160 MB as SwiftProtobuf
    /// decodes them and as much again as a tensor. Refused before decoding, naming why, where the
    /// process would decode them (at ten times the size, a Lambda function was killed for memory).
    func testIntegerDataThatWouldOutgrowTheMemoryIsRefusedBeforeDecoding() throws {
        var zeros = Onnx_TensorProto()
        zeros.name = "zeros"
        zeros.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        zeros.dims = [20_000_000]
        zeros.int64Data = [Int64](repeating: 0, count: 20_000_000)
        let output = try checkModelIn128MB(adding: zeros)
        // 20 million values at 8 + 8 bytes, and the two initializers' dims at 8.
        XCTAssertTrue(output.contains("its integer tensor data would take 320000016 bytes once decoded"), output)
    }

    /// A model of 80 MB under a 128 MB function: loading holds it twice, so it is refused before
    /// parsing, naming what loading takes (it loaded, and went past the memory).
    func testAModelLoadingHoldsTwiceIsRefusedPastTheMemory() throws {
        var weights = Onnx_TensorProto()
        weights.name = "weights"
        weights.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        weights.dims = [20_000_000]
        weights.rawData = Data(count: 80_000_000)
        let output = try checkModelIn128MB(adding: weights)
        XCTAssertTrue(output.contains("bytes twice, as the file's and as the tensors made from them"), output)
    }

    /// The count walks the model's tensors wherever they are, and nothing else: the real models'
    /// integer data is a few shape tensors.
    func testTheCountFindsIntegerDataInInitializersAndAttributes() throws {
        var model = ModelLoaderTests.model()
        var packed = Onnx_TensorProto()
        packed.dims = [3]
        packed.int64Data = [1, 300, -1]
        model.graph.initializer.append(packed)
        var attribute = Onnx_AttributeProto()
        attribute.name = "value"; attribute.type = .tensor
        attribute.t.int32Data = [7, 8]
        var constant = Onnx_NodeProto()
        constant.opType = "Constant"; constant.output = ["c"]; constant.attribute = [attribute]
        model.graph.node.append(constant)
        // 8 bytes for each dim (the new initializer's one, the float initializer b's one), 8 + 8
        // for each of the three int64 values, 4 + 8 for each int32 value of the attribute tensor
        // (its type unset), 4 + 2 for each value of a float16 tensor kept in int32_data.
        var half = Onnx_TensorProto()
        half.dataType = Int32(Onnx_TensorProto.DataType.float16.rawValue)
        half.int32Data = [15360, 15360, 15360]
        model.graph.initializer.append(half)
        let counted = IntegerDataBudget.decodedBytes(ofModel: try model.serializedBytes())
        XCTAssertEqual(counted, 2 * 8 + 3 * 16 + 2 * 12 + 3 * 6)
    }
}
