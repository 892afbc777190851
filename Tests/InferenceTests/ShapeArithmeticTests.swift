// The shape arithmetic of dynamic-shape detector exports (YOLOv8's anchor grid): Range and Expand
// whose inputs the plan computes from the input's shape, and PRelu's per-channel slope.
import XCTest
@testable import Inference

final class ShapeArithmeticTests: XCTestCase {
    /// x + (its column index, as YOLO builds a grid): Shape → Gather(width) → Range → Cast →
    /// Expand to [height, width] → Add. The Range's limit is known only once x's shape is.
    func testARangeAndExpandFromTheInputsShape() throws {
        let graph = Graph(nodes: [
            Node(name: "shape", op: Shape(), inputs: ["x"], outputs: ["s"]),
            Node(name: "width", op: Gather(axis: 0), inputs: ["s", "three"], outputs: ["w"]),
            Node(name: "range", op: NumericRange(), inputs: ["zero", "w", "one"], outputs: ["r"]),
            Node(name: "cast", op: Cast(to: .float32), inputs: ["r"], outputs: ["columns"]),
            Node(name: "expand", op: Expand(), inputs: ["columns", "grid"], outputs: ["g"]),
            Node(name: "add", op: Add(), inputs: ["x", "g"], outputs: ["y"]),
        ], inputs: [GraphInput(name: "x", elementType: .float32, shape: [1, 2, nil, nil])], outputs: ["y"],
           constants: ["three": Tensor(int64: [3], shape: []), "zero": Tensor(int64: [0], shape: []), "one": Tensor(int64: [1], shape: []),
                       "grid": Tensor(int64: [3, 1], shape: [2])])
        let session = try Session(graph: graph, options: SessionOptions(threads: 1))
        let x = Tensor(float32: (0..<24).map { Float($0) * 100 }, shape: [1, 2, 3, 4])
        let y = try XCTUnwrap(try session.run(["x": x])["y"])
        XCTAssertEqual(y.shape, [1, 2, 3, 4])
        XCTAssertEqual(y.floats, (0..<24).map { Float($0) * 100 + Float($0 % 4) })
    }

    func testRangeCountsAsONNXDefinesIt() throws {
        func range(_ start: Float, _ limit: Float, _ delta: Float) throws -> [Float] {
            try NumericRange().evaluate([Tensor(float32: [start], shape: []), Tensor(float32: [limit], shape: []),
                                         Tensor(float32: [delta], shape: [])])[0].floats
        }
        XCTAssertEqual(try range(1, 2.5, 0.5), [1, 1.5, 2])
        XCTAssertEqual(try range(3, 1, -1), [3, 2])
        XCTAssertEqual(try range(3, 1, 1), [])
        XCTAssertThrowsError(try range(0, 1, 0)) { XCTAssertTrue("\($0)".contains("delta must be a finite non-zero number"), "\($0)") }
        let ints = try NumericRange().evaluate([Tensor(int32: [10], shape: []), Tensor(int32: [4], shape: []), Tensor(int32: [-3], shape: [])])[0]
        XCTAssertEqual(ints.elementType, .int32)
        XCTAssertEqual(ints.int64s, [10, 7])
        // Counted in integers: through a Double, 2^53 + 1 and 2^53 + 3 are the same number.
        let big = try NumericRange().evaluate([Tensor(int64: [1 << 53 + 1], shape: []), Tensor(int64: [1 << 53 + 3], shape: []),
                                               Tensor(int64: [1], shape: [])])[0]
        XCTAssertEqual(big.int64s, [1 << 53 + 1, 1 << 53 + 2])
    }

    func testExpandBroadcastsBothWays() throws {
        let column = Tensor(float32: [1, 2, 3], shape: [3, 1])
        let wide = try Expand().evaluate([column, Tensor(int64: [2, 1, 4], shape: [3])])[0]
        XCTAssertEqual(wide.shape, [2, 3, 4])
        XCTAssertEqual(Array(wide.floats.prefix(12)), [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3])
        // A 1 in the shape keeps the input's dimension.
        XCTAssertEqual(try Expand().evaluate([column, Tensor(int64: [1, 1], shape: [2])])[0].shape, [3, 1])
        XCTAssertThrowsError(try Expand().evaluate([column, Tensor(int64: [2, 2], shape: [2])]))
    }

    /// The selection exports make of a shape: Where(Equal(s, -1), 1, s); and Not, whose node tests
    /// are opset 1 models the engine does not take.
    func testAShapeSelectionAndNot() throws {
        let shape = Tensor(int64: [2, -1, 5], shape: [3])
        let unknown = try Comparison(.equal).evaluate([shape, Tensor(int64: [-1], shape: [])])[0]
        XCTAssertEqual(unknown.bools, [false, true, false])
        XCTAssertEqual(try Where().evaluate([unknown, Tensor(int64: [1], shape: []), shape])[0].int64s, [2, 1, 5])
        XCTAssertEqual(try Logical(.not).evaluate([unknown])[0].bools, [true, false, true])
    }

    /// PRelu's slope per channel ([C, 1, 1]), as face models use it.
    func testPReluScalesNegativesByTheirChannelsSlope() throws {
        let x = Tensor(float32: [-2, 3, -4, 5], shape: [1, 2, 1, 2])
        let slope = Tensor(float32: [0.5, 0.25], shape: [2, 1, 1])
        XCTAssertEqual(try PRelu().evaluate([x, slope])[0].floats, [-1, 3, -1, 5])
    }
}
