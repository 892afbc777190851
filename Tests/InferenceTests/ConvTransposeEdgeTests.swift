// ConvTranspose at the edge of its shapes: no input channels.
import XCTest
@testable import Inference

final class ConvTransposeEdgeTests: XCTestCase {
    /// With no input channels a transposed convolution's output is its bias alone. Its scratch
    /// columns are not computed then, and the Conv before it leaves them full: they were added in.
    func testNoInputChannelsGiveTheBiasAlone() throws {
        let graph = Graph(nodes: [
            Node(name: "conv", op: Conv(geometry: WindowGeometry(kernel: [3, 3], pads: [1, 1, 1, 1])), inputs: ["a", "w"], outputs: ["c"]),
            Node(name: "up", op: ConvTranspose(), inputs: ["empty", "wt", "bias"], outputs: ["y"]),
        ], inputs: [GraphInput(name: "a", elementType: .float32, shape: [1, 2, 4, 4]),
                    GraphInput(name: "empty", elementType: .float32, shape: [1, 0, 4, 4])],
           outputs: ["c", "y"],
           constants: ["w": Tensor(float32: [Float](repeating: 1, count: 2 * 2 * 9), shape: [2, 2, 3, 3]),
                       "wt": Tensor(float32: [], shape: [0, 1, 2, 2]), "bias": Tensor(float32: [5], shape: [1])])
        let outputs = try Session(graph: graph).run(["a": Tensor(float32: [Float](repeating: 3, count: 32), shape: [1, 2, 4, 4]),
                                                     "empty": Tensor(float32: [], shape: [1, 0, 4, 4])])
        let y = try XCTUnwrap(outputs["y"])
        XCTAssertEqual(y.shape, [1, 1, 5, 5])
        XCTAssertEqual(Set(y.floats), [5])
    }
}
