// QuantizeLinear and DequantizeLinear beyond the ONNX node tests: halfway rounding, saturation,
// per-channel scales, and their fusion into one pass that gives the same bits.
import XCTest
@testable import Inference

final class QuantizationTests: XCTestCase {
    /// Halfway values round to even, values past the range saturate, NaN goes to the lowest value.
    func testRoundingAndSaturation() throws {
        let x = Tensor(float32: [0.5, 1.5, 2.5, -0.5, -1.5, 1000, -1000, .nan, 0.25], shape: [9])
        let signed = try QuantizeLinear().evaluate([x, Tensor(float32: [1], shape: []), Tensor(int8: [0], shape: [])])[0]
        XCTAssertEqual(signed.elementType, .int8)
        XCTAssertEqual(signed.int64s, [0, 2, 2, 0, -2, 127, -128, -128, 0])
        let unsigned = try QuantizeLinear().evaluate([x, Tensor(float32: [0.5], shape: [])])[0]
        XCTAssertEqual(unsigned.elementType, .uint8, "no zero point: uint8")
        XCTAssertEqual(unsigned.int64s, [1, 3, 5, 0, 0, 255, 0, 0, 0])
    }

    /// One scale and zero point per channel (axis 1 of NCHW), as per-channel activations carry them.
    func testPerChannelScalesFollowTheAxis() throws {
        let x = Tensor(float32: [1, 2, 3, 4, 1, 2, 3, 4], shape: [1, 2, 2, 2])
        let scale = Tensor(float32: [1, 0.5], shape: [2])
        let zero = Tensor(uint8: [10, 100], shape: [2])
        let q = try QuantizeLinear(axis: 1).evaluate([x, scale, zero])[0]
        XCTAssertEqual(q.int64s, [11, 12, 13, 14, 102, 104, 106, 108])
        let back = try DequantizeLinear(axis: 1).evaluate([q, scale, zero])[0]
        XCTAssertEqual(back.floats, x.floats)
        XCTAssertThrowsError(try QuantizeLinear(axis: 2).evaluate([Tensor(float32: [0, 0, 0], shape: [1, 1, 3]), scale, zero])) {
            XCTAssertTrue("\($0)".contains("2 scales for the 3 slices along axis 2"), "\($0)")
        }
    }

    /// A QuantizeLinear read only by a DequantizeLinear with the same parameters becomes one
    /// QuantizeDequantize, whose output is bit for bit the pair's, halfway values included; a pair
    /// with another scale, or an 8-bit value the graph gives out, stays as two nodes.
    func testAQuantizeDequantizePairFusesAndGivesTheSameBits() throws {
        func graph(dequantizeScale: String, exposeLevels: Bool = false) -> Graph {
            Graph(nodes: [
                Node(name: "q", op: QuantizeLinear(), inputs: ["x", "s", "z"], outputs: ["levels"]),
                Node(name: "dq", op: DequantizeLinear(), inputs: ["levels", dequantizeScale, "z"], outputs: ["y"]),
            ], inputs: [GraphInput(name: "x", elementType: .float32, shape: [nil, 64])], outputs: exposeLevels ? ["y", "levels"] : ["y"],
                  constants: ["s": Tensor(float32: [0.05], shape: []), "other": Tensor(float32: [0.1], shape: []), "z": Tensor(uint8: [128], shape: [])])
        }
        // Multiples of half a step, where a rounding that differs would show.
        let x = Tensor(float32: (0..<128).map { Float($0 - 64) * 0.025 + ($0 % 3 == 0 ? 0 : 1e-4) } + [7, -7].flatMap { Array(repeating: Float($0), count: 32) }, shape: [3, 64])
        let fused = try Session(graph: graph(dequantizeScale: "s"), options: SessionOptions(threads: 2))
        XCTAssertEqual(fused.graph.nodes.map(\.op.name), ["QuantizeDequantize"])
        let plain = try Session(graph: graph(dequantizeScale: "s"), options: SessionOptions(threads: 1, optimize: false))
        let a = try fused.run(["x": x])["y"]!.floats, b = try plain.run(["x": x])["y"]!.floats
        XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern))
        XCTAssertEqual(a.last, (0 - 128) * 0.05, "saturated at uint8's 0")
        for kept in [graph(dequantizeScale: "other"), graph(dequantizeScale: "s", exposeLevels: true)] {
            XCTAssertEqual(try Session(graph: kept, options: SessionOptions(threads: 1)).graph.nodes.map(\.op.name), ["QuantizeLinear", "DequantizeLinear"])
        }
    }

    /// Scales along the innermost axis (a MatMul's weights per output column) make one run per row,
    /// not one per element (32 bytes each, 256 MB for a 2048 x 4096 weight); blocks along it one
    /// run per block. Values as ONNX defines them.
    func testScalesAlongTheLastAxis() throws {
        XCTAssertEqual(QuantizationAxis(axis: -1, blockSize: 0).runs([4, 3], scaleCount: 3).count, 4)
        let x = Tensor(int8: [1, 1, 1, -2, -2, -2], shape: [2, 3])
        let perColumn = try DequantizeLinear(axis: -1).evaluate([x, Tensor(float32: [1, 2, 3], shape: [3]), Tensor(int8: [0, 1, 0], shape: [3])])[0]
        XCTAssertEqual(perColumn.floats, [1, 0, 3, -2, -6, -6])
        // Blocks of 2 along the last axis of [2, 5]: three blocks per row, the last of one value.
        let blocked = try DequantizeLinear(axis: 1, blockSize: 2).evaluate([
            Tensor(uint8: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], shape: [2, 5]), Tensor(float32: [1, 10, 100, 2, 20, 200], shape: [2, 3]),
        ])[0]
        XCTAssertEqual(blocked.floats, [1, 2, 30, 40, 500, 12, 14, 160, 180, 2000])
        XCTAssertEqual(QuantizationAxis(axis: 1, blockSize: 2).runs([2, 5], scaleCount: 6).count, 6)
    }

    /// Before opset 13 there is no axis: a scale per slice is refused, not read along axis 1. An
    /// output_dtype that is not the zero point's type is refused, as onnxruntime refuses it.
    func testOpsetAndOutputTypeRules() throws {
        let x = Tensor(float32: [1, 2, 3, 4], shape: [1, 2, 2])
        XCTAssertThrowsError(try QuantizeLinear(perAxis: false).evaluate([x, Tensor(float32: [1, 2], shape: [2])])) {
            XCTAssertTrue("\($0)".contains("needs opset 13"), "\($0)")
        }
        XCTAssertThrowsError(try QuantizeLinear(outputType: .uint8).evaluate([x, Tensor(float32: [1], shape: []), Tensor(int8: [0], shape: [])])) {
            XCTAssertTrue("\($0)".contains("output_dtype is uint8 and the zero point int8"), "\($0)")
        }
        XCTAssertEqual(try QuantizeLinear(outputType: .int8).evaluate([x, Tensor(float32: [1], shape: [])])[0].elementType, .int8)
    }

    /// ReduceMax and ReduceMin over no values give the identity in the 8-bit types too: uint8's
    /// 255 for a minimum (it gave 1, bool's highest).
    func testEmptyReductionsOf8BitTensors() throws {
        let empty = Tensor(uint8: [], shape: [0, 3])
        XCTAssertEqual(try Reduce(.min, axes: [0], keepDims: true).evaluate([empty])[0].int64s, [255, 255, 255])
        XCTAssertEqual(try Reduce(.max, axes: [0], keepDims: true).evaluate([empty])[0].int64s, [0, 0, 0])
        XCTAssertEqual(try Reduce(.min, axes: [0], keepDims: true).evaluate([Tensor(int8: [], shape: [0, 2])])[0].int64s, [127, 127])
        XCTAssertEqual(try Reduce(.max, axes: [1], keepDims: false).evaluate([Tensor(bool: [false, true, false, false], shape: [2, 2])])[0].bools, [true, false])
    }
}
