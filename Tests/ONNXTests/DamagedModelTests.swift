// A real model damaged where a broken export or a bad edit damages it (attributes, initializer
// shapes, operator types, missing nodes, inputs in the wrong order), the same way on every run (a
// fixed seed): each copy loads and runs, or fails with a ModelError or an InferenceError; none
// crashes or fails with another kind of error.
import Foundation
import Inference
import TestServers
import XCTest
@testable import ONNX

final class DamagedModelTests: XCTestCase {
    private static let hostileIntegers: [Int64] = [0, -1, -5, 2, 3, 7, 1000, Int64(Int32.max), Int64(Int32.min), 1 << 40]

    /// Damages one part of `model` and says which; draws again when a draw left it as it was (an
    /// attribute of a type left alone, a value replaced by itself).
    private func damage(_ model: inout Onnx_ModelProto, using generator: inout SeededGenerator) -> String {
        let original = model
        while true {
            let what = damageOnce(&model, using: &generator)
            if model != original { return what }
        }
    }

    private func damageOnce(_ model: inout Onnx_ModelProto, using generator: inout SeededGenerator) -> String {
        var graph = model.graph
        defer { model.graph = graph }
        switch Int.random(in: 0..<6, using: &generator) {
        case 0, 1:
            let candidates = graph.node.indices.filter { !graph.node[$0].attribute.isEmpty }
            let index = candidates.randomElement(using: &generator)!
            let slot = graph.node[index].attribute.indices.randomElement(using: &generator)!
            var attribute = graph.node[index].attribute[slot]
            switch attribute.type {
            case .ints where !attribute.ints.isEmpty:
                attribute.ints[Int.random(in: 0..<attribute.ints.count, using: &generator)] = Self.hostileIntegers.randomElement(using: &generator)!
            case .int: attribute.i = Self.hostileIntegers.randomElement(using: &generator)!
            case .float: attribute.f = [0, -1, .nan, .infinity, 1e30].randomElement(using: &generator)!
            default: break
            }
            graph.node[index].attribute[slot] = attribute
            return "attribute \(attribute.name) of \(graph.node[index].name)"
        case 2:
            let index = graph.initializer.indices.filter { !graph.initializer[$0].dims.isEmpty }.randomElement(using: &generator)!
            let axis = Int.random(in: 0..<graph.initializer[index].dims.count, using: &generator)
            let size = graph.initializer[index].dims[axis]
            graph.initializer[index].dims[axis] = [0, 1, size * 2, size + 1, -1, 1 << 31, 1 << 40].randomElement(using: &generator)!
            return "dims of \(graph.initializer[index].name)"
        case 3:
            let index = Int.random(in: 0..<graph.node.count, using: &generator)
            graph.node[index].opType = ["Conv", "Relu", "Add", "MatMul", "Gemm", "Reshape", "Flatten", "GlobalAveragePool",
                                        "Concat", "Softmax", "Mul", "Transpose"].randomElement(using: &generator)!
            return "\(graph.node[index].name) made a \(graph.node[index].opType)"
        case 4:
            let index = Int.random(in: 0..<graph.node.count, using: &generator)
            return "\(graph.node.remove(at: index).name) removed"
        default:
            let index = graph.node.indices.filter { graph.node[$0].input.count > 1 }.randomElement(using: &generator)!
            graph.node[index].input.shuffle(using: &generator)
            return "inputs of \(graph.node[index].name) reordered"
        }
    }

    func testEveryDamagedCopyRunsOrFailsWithAModelOrInferenceError() throws {
        let path = RepoPaths.cache("models/pp-lcnet-orientation/model.onnx.zst").path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) is missing: run `make models`") }
        let bytes = try ZstdDecompressor.decompress([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), source: path)
        let original = try Onnx_ModelProto(serializedBytes: bytes)
        let input = try ModelLoader.load(bytes: bytes, source: path).graph.inputs[0]
        let shape = input.shape.map { $0 ?? 1 }
        var generator = SeededGenerator(seed: 20_261_127)
        let frame = Tensor(float32: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &generator) }, shape: shape)
        var ran = 0, refused = 0
        for round in 0..<200 {
            var model = original
            let what = damage(&model, using: &generator)
            do {
                let loaded = try ModelLoader.load(bytes: try model.serializedBytes(), source: "round \(round)")
                _ = try Session(graph: loaded.graph, options: SessionOptions(threads: 1)).run([input.name: frame])
                ran += 1
            } catch is ModelError {
                refused += 1
            } catch is InferenceError {
                refused += 1
            } catch {
                XCTFail("round \(round), \(what): \(error) is neither a ModelError nor an InferenceError")
            }
        }
        // Both outcomes occur: some damage is harmless at inference (a BatchNormalization's momentum).
        XCTAssertGreaterThan(ran, 0)
        XCTAssertGreaterThan(refused, 0)
    }
}
