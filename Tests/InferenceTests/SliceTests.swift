// Slice at the edges of its arguments: steps near Int64's bounds, against what the ONNX reference
// (and onnxruntime) give.
import XCTest
@testable import Inference

final class SliceTests: XCTestCase {
    private func slice(_ values: [Float], start: Int64, end: Int64, step: Int64) throws -> [Float] {
        let graph = Graph(nodes: [Node(name: "slice", op: Slice(), inputs: ["x", "starts", "ends", "axes", "steps"], outputs: ["y"])],
                          inputs: [GraphInput(name: "x", elementType: .float32, shape: [values.count])], outputs: ["y"],
                          constants: ["starts": Tensor(int64: [start], shape: [1]), "ends": Tensor(int64: [end], shape: [1]),
                                      "axes": Tensor(int64: [0], shape: [1]), "steps": Tensor(int64: [step], shape: [1])])
        return try XCTUnwrap(Session(graph: graph).run(["x": Tensor(float32: values, shape: [values.count])])["y"]?.floats)
    }

    /// A step as large as Int64 takes the first element of the span (the count once overflowed:
    /// nothing came out).
    func testStepsAtInt64sBoundsTakeOneElement() throws {
        let x: [Float] = [10, 11, 12, 13, 14]
        XCTAssertEqual(try slice(x, start: 0, end: .max, step: .max), [10])
        XCTAssertEqual(try slice(x, start: -1, end: .min, step: -.max), [14])
        XCTAssertEqual(try slice(x, start: -1, end: .min, step: .min), [14])
    }

    func testOrdinarySteps() throws {
        let x: [Float] = [10, 11, 12, 13, 14]
        XCTAssertEqual(try slice(x, start: 1, end: 4, step: 2), [11, 13])
        XCTAssertEqual(try slice(x, start: 4, end: 0, step: -2), [14, 12])
        XCTAssertEqual(try slice(x, start: -1, end: .min, step: -1), [14, 13, 12, 11, 10])
        XCTAssertEqual(try slice(x, start: 3, end: 3, step: 1), [])
        XCTAssertEqual(try slice(x, start: 0, end: 5, step: 7), [10])
    }
}
