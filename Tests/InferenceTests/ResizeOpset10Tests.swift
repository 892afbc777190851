// Resize-10's nearest rounding, which its spec leaves open, as onnxruntime (the oracle) does it.
import XCTest
@testable import Inference

final class ResizeOpset10Tests: XCTestCase {
    private func resize(_ values: [Float], scale: Float) throws -> [Float] {
        let graph = Graph(nodes: [Node(name: "resize", op: Resize(mode: .nearest, transformation: .asymmetric, rounding: .opset10, scalesInputIndex: 1),
                                       inputs: ["x", "scales"], outputs: ["y"])],
                          inputs: [GraphInput(name: "x", elementType: .float32, shape: [values.count])], outputs: ["y"],
                          constants: ["scales": Tensor(float32: [scale], shape: [1])])
        return try XCTUnwrap(Session(graph: graph).run(["x": Tensor(float32: values, shape: [values.count])])["y"]?.floats)
    }

    /// onnxruntime's answers: shrinking rounds the source coordinate up, growing rounds it down.
    /// (Down both ways gave [1, 2, 4, 6, 7, 9] here.)
    func testShrinkingRoundsUpAndGrowingRoundsDown() throws {
        XCTAssertEqual(try resize((1...10).map(Float.init), scale: 0.6), [1, 3, 5, 6, 8, 10])
        XCTAssertEqual(try resize([1, 2, 3], scale: 2), [1, 1, 2, 2, 3, 3])
        XCTAssertEqual(try resize([1, 2, 3, 4], scale: 1.5), [1, 1, 2, 3, 3, 4])
    }
}
