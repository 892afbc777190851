// The memory limit tensors are held to: where it comes from, and the error a tensor past it gets.
import XCTest
@testable import Inference

final class MemoryLimitTests: XCTestCase {
    func testTheSmallestSourceSetsTheLimit() {
        XCTAssertEqual(MemoryLimit.bytes(functionMemoryMB: "128", cgroupMax: "max", physicalBytes: 1 << 34), 128 << 20)
        XCTAssertEqual(MemoryLimit.bytes(functionMemoryMB: nil, cgroupMax: "1073741824", physicalBytes: 1 << 34), 1 << 30)
        XCTAssertEqual(MemoryLimit.bytes(functionMemoryMB: "3538", cgroupMax: "1073741824", physicalBytes: 1 << 34), 1 << 30)
        XCTAssertEqual(MemoryLimit.bytes(functionMemoryMB: nil, cgroupMax: nil, physicalBytes: 1 << 34), 1 << 34)
        // cgroup v1 without a limit.
        XCTAssertEqual(MemoryLimit.bytes(functionMemoryMB: nil, cgroupMax: "9223372036854771712", physicalBytes: 1 << 34), 1 << 34)
    }

    func testUnreadableSourcesSetNoLimit() {
        XCTAssertEqual(MemoryLimit.bytes(functionMemoryMB: "lots", cgroupMax: "max", physicalBytes: 1 << 34), 1 << 34)
        XCTAssertEqual(MemoryLimit.bytes(functionMemoryMB: "-5", cgroupMax: "0", physicalBytes: 1 << 34), 1 << 34)
        XCTAssertEqual(MemoryLimit.bytes(functionMemoryMB: "9223372036854775807", cgroupMax: nil, physicalBytes: -1), Int.max)
        XCTAssertGreaterThan(MemoryLimit.bytes, 0)
    }

    func testATensorPastTheLimitIsAnErrorNamingItsSize() {
        let type = TensorType(.float32, [1024, 1024])
        XCTAssertNoThrow(try ShapeLimits.checkMemory(type, limit: 4 << 20))
        XCTAssertThrowsError(try ShapeLimits.checkMemory(type, limit: (4 << 20) - 1)) { error in
            XCTAssertEqual((error as? InferenceError)?.code, .exceedsMemory)
            XCTAssertTrue("\(error)".contains("a float32 tensor of shape [1024, 1024] needs 4194304 bytes, more than the 4194303 bytes"), "\(error)")
        }
    }

    /// Kernel scratch is held to the same limit: a transposed convolution's columns can outgrow its output.
    func testScratchPastTheLimitIsAnError() {
        XCTAssertThrowsError(try Workspace().floats(MemoryLimit.bytes / 4 + 1)) { error in
            XCTAssertEqual((error as? InferenceError)?.code, .exceedsMemory)
        }
        XCTAssertNoThrow(try Workspace().floats(1024))
    }

    /// Folded constants stay in memory together: each under the limit is not enough. Two
    /// ConstantOfShape outputs of 6 MB each, under a 10 MB limit, stop at the second, named, before
    /// it is made; under 16 MB both fold.
    func testFoldedConstantsTogetherStayUnderTheLimit() throws {
        let shape = Tensor(int64: [1536, 1024], shape: [2])
        let graph = Graph(nodes: [Node(name: "fill-a", op: ConstantOfShape(), inputs: ["shape"], outputs: ["a"]),
                                  Node(name: "fill-b", op: ConstantOfShape(), inputs: ["shape"], outputs: ["b"]),
                                  Node(name: "sum", op: Add(), inputs: ["a", "x"], outputs: ["y"])],
                          inputs: [GraphInput(name: "x", elementType: .float32, shape: [1536, 1024])], outputs: ["y"],
                          constants: ["shape": shape])
        XCTAssertThrowsError(try ConstantFolding.apply(graph, limit: 10 << 20)) { error in
            XCTAssertEqual((error as? InferenceError)?.code, .exceedsMemory)
            XCTAssertTrue("\(error)".contains("node 'fill-b' (ConstantOfShape): its folded outputs and the model's other constants needs 12582928 bytes"), "\(error)")
        }
        let folded = try ConstantFolding.apply(graph, limit: 16 << 20)
        XCTAssertEqual(Set(folded.constants.keys), ["shape", "a", "b"])
    }
}
