// Constants the fusion passes make are named apart from every value of the graph: ONNX keeps node
// names and value names apart, so a name made from one may already be the other.
import Foundation
import Inference
import XCTest
@testable import ONNX

final class FusionNamingTests: XCTestCase {
    /// x -> Conv(w=2) -> BatchNormalization -> y1, and x -> Conv(w=3) -> BatchNormalization -> y2,
    /// where the first Conv is named "c2" and the second, unnamed, writes the value "c2": both folds
    /// once named their weights "c2/folded_weights", and the second overwrote the first's (y1 came
    /// out as 3x). Each must keep its own.
    func testTwoFoldsWhoseNamesMeetKeepTheirOwnWeights() throws {
        var model = Onnx_ModelProto()
        model.irVersion = 8
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 17
        model.opsetImport = [opset]
        func node(_ op: String, _ name: String, _ inputs: [String], _ outputs: [String]) -> Onnx_NodeProto {
            var node = Onnx_NodeProto()
            node.opType = op; node.name = name; node.input = inputs; node.output = outputs
            return node
        }
        model.graph.node = [
            node("Conv", "c2", ["x", "w1"], ["a"]),
            node("BatchNormalization", "bn1", ["a", "scale", "bias", "mean", "variance"], ["y1"]),
            node("Conv", "", ["x", "w2"], ["c2"]),
            node("BatchNormalization", "bn2", ["c2", "scale", "bias", "mean", "variance"], ["y2"]),
        ]
        model.graph.initializer = [
            Tensor(float32: [2], shape: [1, 1, 1, 1]).onnxProto(name: "w1"),
            Tensor(float32: [3], shape: [1, 1, 1, 1]).onnxProto(name: "w2"),
            Tensor(float32: [1], shape: [1]).onnxProto(name: "scale"),
            Tensor(float32: [0], shape: [1]).onnxProto(name: "bias"),
            Tensor(float32: [0], shape: [1]).onnxProto(name: "mean"),
            Tensor(float32: [1], shape: [1]).onnxProto(name: "variance"),
        ]
        func info(_ name: String) -> Onnx_ValueInfoProto {
            var value = Onnx_ValueInfoProto()
            value.name = name
            var tensor = Onnx_TypeProto.Tensor()
            tensor.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
            tensor.shape.dim = [Int64(1), 1, 2, 2].map { size in
                var dimension = Onnx_TensorShapeProto.Dimension()
                dimension.dimValue = size
                return dimension
            }
            value.type.tensorType = tensor
            return value
        }
        model.graph.input = [info("x")]
        model.graph.output = [info("y1"), info("y2")]
        let loaded = try ModelLoader.load(bytes: try model.serializedBytes(), source: "model")
        let outputs = try Session(graph: loaded.graph).run(["x": Tensor(float32: [1, 2, 3, 4], shape: [1, 1, 2, 2])])
        // BatchNormalization's default epsilon (1e-5) divides by sqrt(1 + 1e-5).
        let factor = 1 / Float(1 + 1e-5).squareRoot()
        for (name, weight) in [("y1", Float(2)), ("y2", 3)] {
            let values = try XCTUnwrap(outputs[name]?.floats, name)
            for (value, x) in zip(values, [Float(1), 2, 3, 4]) {
                XCTAssertEqual(value, weight * x * factor, accuracy: 1e-5, name)
            }
        }
    }
}
