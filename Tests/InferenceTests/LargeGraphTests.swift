// Graphs of tens of thousands of nodes: the rewrites are linear in the graph. Each pass used to scan
// the whole graph per node (to find a node's consumer, to rename reads past an Identity, to copy
// the constants per fold), and a model of this size took minutes to load.
import XCTest
@testable import Inference

final class LargeGraphTests: XCTestCase {
    /// `blocks` times: Conv 1x1 → BatchNormalization → Add(bias) → Add(block input) → Relu → Identity.
    private func residualChain(blocks: Int) -> Graph {
        var nodes: [Node] = []
        var constants: [String: Tensor] = [:]
        var previous = "x"
        for block in 0..<blocks {
            func name(_ stem: String) -> String { "\(stem)\(block)" }
            let tilt = Float(block % 7) * 0.01
            // The block shrinks what it adds to (about -0.5x): 10 000 of them stay finite.
            constants[name("w")] = Tensor(float32: [-0.5 - tilt, 0.05, 0.05, -0.5 + tilt], shape: [2, 2, 1, 1])
            constants[name("scale")] = Tensor(float32: [1, 0.8], shape: [2])
            constants[name("shift")] = Tensor(float32: [0.1, 0.05], shape: [2])
            constants[name("mean")] = Tensor(float32: [0, 0.01], shape: [2])
            constants[name("var")] = Tensor(float32: [1, 1], shape: [2])
            constants[name("bias")] = Tensor(float32: [0.01, -0.01], shape: [1, 2, 1, 1])
            nodes += [
                Node(name: name("conv"), op: Conv(geometry: WindowGeometry(kernel: [1, 1])), inputs: [previous, name("w")], outputs: [name("c")]),
                Node(name: name("bn"), op: BatchNormalization(), inputs: [name("c"), name("scale"), name("shift"), name("mean"), name("var")], outputs: [name("n")]),
                Node(name: name("bias"), op: Add(), inputs: [name("n"), name("bias")], outputs: [name("b")]),
                Node(name: name("residual"), op: Add(), inputs: [name("b"), previous], outputs: [name("a")]),
                Node(name: name("relu"), op: Relu(), inputs: [name("a")], outputs: [name("r")]),
                Node(name: name("id"), op: Identity(), inputs: [name("r")], outputs: [block == blocks - 1 ? "y" : name("i")]),
            ]
            previous = name("i")
        }
        return Graph(nodes: nodes, inputs: [GraphInput(name: "x", elementType: .float32, shape: [nil, 2, 2, 2])],
                     outputs: ["y"], constants: constants)
    }

    func testTenThousandBlocksFuseToOneConvEachWithTheSameResult() throws {
        let blocks = 10_000
        let optimized = try Session(graph: residualChain(blocks: blocks), options: SessionOptions(threads: 1))
        XCTAssertEqual(optimized.graph.nodes.count, blocks + 1, "one Conv per block, and the Identity that names the output")
        let convs = optimized.graph.nodes.compactMap { $0.op as? Conv }
        XCTAssertEqual(convs.count, blocks)
        XCTAssertTrue(convs.allSatisfy { $0.addsResidual && $0.activation == .relu })
        let plain = try Session(graph: residualChain(blocks: blocks), options: SessionOptions(threads: 1, optimize: false))
        let x = Tensor(float32: [0.3, -0.2, 0.5, 0.1, -0.4, 0.2, 0.6, -0.1], shape: [1, 2, 2, 2])
        let a = try optimized.run(["x": x])["y"]!.floats, b = try plain.run(["x": x])["y"]!.floats
        XCTAssertTrue(b.allSatisfy(\.isFinite) && b.contains { $0 > 0.01 }, "\(b)")
        XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max()!, 1e-4, "\(a) vs \(b)")
    }

    func testFiftyThousandIdentitiesAreRemoved() throws {
        let count = 50_000
        let nodes = (0..<count).map { index in
            Node(name: "id\(index)", op: Identity(), inputs: [index == 0 ? "x" : "v\(index - 1)"], outputs: ["v\(index)"])
        } + [Node(name: "relu", op: Relu(), inputs: ["v\(count - 1)"], outputs: ["y"])]
        let graph = Graph(nodes: nodes, inputs: [GraphInput(name: "x", elementType: .float32, shape: [2])], outputs: ["y"], constants: [:])
        let session = try Session(graph: graph, options: SessionOptions(threads: 1))
        XCTAssertEqual(session.graph.nodes.map(\.inputs), [["x"]])
        XCTAssertEqual(try session.run(["x": Tensor(float32: [-1, 2], shape: [2])])["y"]!.floats, [0, 2])
    }
}
