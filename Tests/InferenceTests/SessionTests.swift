// Sessions: graph rewrites keep results, planned runs reuse their buffers, bad feeds are clear errors.
import XCTest
@testable import Inference

final class SessionTests: XCTestCase {
    /// x → Conv → BatchNormalization → Add(x) → Relu → Identity → GlobalAveragePool → Flatten → Gemm → Softmax
    static func residualBlock() -> Graph {
        func values(_ count: Int, _ scale: Float, _ offset: Float = 0) -> [Float] { (0..<count).map { Float(($0 * 37) % 17) * scale + offset } }
        let constants: [String: Tensor] = [
            "w": Tensor(float32: values(4 * 4 * 9, 0.01, -0.05), shape: [4, 4, 3, 3]),
            "scale": Tensor(float32: [1, 0.5, 2, 1.5], shape: [4]), "bias": Tensor(float32: [0.1, -0.2, 0, 0.3], shape: [4]),
            "mean": Tensor(float32: [0, 0.1, -0.1, 0.2], shape: [4]), "var": Tensor(float32: [1, 2, 0.5, 1], shape: [4]),
            "fc": Tensor(float32: values(4 * 3, 0.1, -0.5), shape: [4, 3]), "fcb": Tensor(float32: [0, 0.1, 0.2], shape: [3]),
        ]
        let nodes = [
            Node(name: "conv", op: Conv(geometry: WindowGeometry(kernel: [3, 3], pads: [1, 1, 1, 1])), inputs: ["x", "w"], outputs: ["c"]),
            Node(name: "bn", op: BatchNormalization(), inputs: ["c", "scale", "bias", "mean", "var"], outputs: ["b"]),
            Node(name: "add", op: Add(), inputs: ["b", "x"], outputs: ["a"]),
            Node(name: "relu", op: Relu(), inputs: ["a"], outputs: ["r"]),
            Node(name: "id", op: Identity(), inputs: ["r"], outputs: ["i"]),
            Node(name: "gap", op: GlobalAveragePool(), inputs: ["i"], outputs: ["g"]),
            Node(name: "flat", op: Flatten(), inputs: ["g"], outputs: ["f"]),
            Node(name: "fc", op: Gemm(), inputs: ["f", "fc", "fcb"], outputs: ["l"]),
            Node(name: "softmax", op: Softmax(), inputs: ["l"], outputs: ["p"]),
        ]
        return Graph(nodes: nodes, inputs: [GraphInput(name: "x", elementType: .float32, shape: [nil, 4, 6, 6])], outputs: ["p"], constants: constants)
    }

    private func input(batch: Int) -> Tensor {
        Tensor(float32: (0..<(batch * 144)).map { Float(($0 * 13) % 29) / 29 - 0.4 }, shape: [batch, 4, 6, 6])
    }

    func testRewritesFuseTheBlockAndKeepItsResults() throws {
        let optimized = try Session(graph: Self.residualBlock(), options: SessionOptions(threads: 2))
        let plain = try Session(graph: Self.residualBlock(), options: SessionOptions(threads: 1, optimize: false))
        // BatchNorm folded into the Conv, the Add and Relu fused into it, Identity gone.
        XCTAssertEqual(optimized.graph.nodes.map(\.op.name), ["Conv", "GlobalAveragePool", "Flatten", "Gemm", "Softmax"])
        let conv = try XCTUnwrap(optimized.graph.nodes[0].op as? Conv)
        XCTAssertEqual(conv.activation, .relu)
        XCTAssertTrue(conv.addsResidual)
        for batch in [1, 3] {
            let a = try optimized.run(["x": input(batch: batch)])["p"]!.floats
            let b = try plain.run(["x": input(batch: batch)])["p"]!.floats
            XCTAssertEqual(a.count, batch * 3)
            XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max()!, 1e-5)
        }
    }

    /// A residual Add that broadcasts (a per-channel mean, or one image added to every image of a
    /// batch) is not fused into the Conv, whose epilogue reads one residual value per output value:
    /// the Add stays, and the results are the plain graph's.
    func testBroadcastingAddsAreNotFusedAsResiduals() throws {
        let weights = Tensor(float32: (0..<(4 * 4 * 9)).map { Float(($0 * 7) % 11) * 0.02 - 0.1 }, shape: [4, 4, 3, 3])
        let conv = Conv(geometry: WindowGeometry(kernel: [3, 3], pads: [1, 1, 1, 1]))
        let perChannel = Graph(nodes: [
            Node(name: "conv", op: conv, inputs: ["x", "w"], outputs: ["c"]),
            Node(name: "mean", op: Reduce(.mean, axes: [2, 3], keepDims: true), inputs: ["x"], outputs: ["m"]),
            Node(name: "add", op: Add(), inputs: ["c", "m"], outputs: ["y"]),
        ], inputs: [GraphInput(name: "x", elementType: .float32, shape: [nil, 4, 6, 6])], outputs: ["y"], constants: ["w": weights])
        let perBatch = Graph(nodes: [
            Node(name: "conv", op: conv, inputs: ["x", "w"], outputs: ["c"]),
            Node(name: "add", op: Add(), inputs: ["c", "r"], outputs: ["y"]),
        ], inputs: [GraphInput(name: "x", elementType: .float32, shape: [nil, 4, 6, 6]), GraphInput(name: "r", elementType: .float32, shape: [1, 4, 6, 6])],
           outputs: ["y"], constants: ["w": weights])
        for graph in [perChannel, perBatch] {
            let optimized = try Session(graph: graph, options: SessionOptions(threads: 2))
            let plain = try Session(graph: graph, options: SessionOptions(threads: 1, optimize: false))
            XCTAssertTrue(optimized.graph.nodes.contains { $0.op is Add }, "\(optimized.graph.nodes.map(\.op.name))")
            XCTAssertFalse(optimized.graph.nodes.contains { ($0.op as? Conv)?.addsResidual == true || ($0.op as? WinogradConv)?.addsResidual == true })
            var feeds = ["x": input(batch: 3)]
            if graph.inputs.count > 1 { feeds["r"] = Tensor(float32: (0..<144).map { Float($0) / 144 }, shape: [1, 4, 6, 6]) }
            let a = try optimized.run(feeds)["y"]!.floats, b = try plain.run(feeds)["y"]!.floats
            XCTAssertEqual(a.count, 3 * 144)
            XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max()!, 1e-5)
        }
    }

    /// Rewrites read a Conv's weights and an Add's second input only when the node has them: a
    /// model with a one-input Conv is an error that names it, not an index past the end.
    func testNodesMissingInputsAreErrorsNotRewrites() throws {
        let graph = Graph(nodes: [
            Node(name: "lonely_conv", op: Conv(geometry: WindowGeometry(kernel: [3, 3])), inputs: ["x"], outputs: ["c"]),
            Node(name: "add", op: Add(), inputs: ["c"], outputs: ["y"]),
        ], inputs: [GraphInput(name: "x", elementType: .float32, shape: [1, 4, 6, 6])], outputs: ["y"], constants: [:])
        let session = try Session(graph: graph)
        XCTAssertThrowsError(try session.run(["x": input(batch: 1)])) { error in
            XCTAssertTrue("\(error)".contains("lonely_conv"), "\(error)")
        }
    }

    /// The plain block's five 1152-byte activations live one after another, each read by the next
    /// step only: the arena holds two of them (a step's input and output), not five.
    func testPlannedValuesShareOneArenaSizedToWhatIsAliveAtOnce() throws {
        let session = try Session(graph: Self.residualBlock(), options: SessionOptions(threads: 1, optimize: false))
        let plan = try session.plan(for: ["x": input(batch: 2)])
        XCTAssertEqual(plan.arenaBytes, 2 * 1152)
        let first = try session.run(["x": input(batch: 2)])["p"]!.floats
        let small = session.pooledBytes
        // A larger batch grows the arena; the smaller batch still gets its own results after it.
        _ = try session.run(["x": input(batch: 5)])
        XCTAssertGreaterThan(session.pooledBytes, small)
        XCTAssertEqual(try session.run(["x": input(batch: 2)])["p"]!.floats, first)
    }

    /// A node with two outputs, one nobody reads, and a name two nodes write: the outputs of one
    /// step never share bytes, and the twice-written name stays out of the arena (one name, two
    /// lifetimes), so the results are those of plain buffers.
    func testMultipleOutputsAndRewrittenNamesKeepTheirOwnBytes() throws {
        let graph = Graph(nodes: [
            Node(name: "split", op: Split(axis: 1, outputCount: 2), inputs: ["x"], outputs: ["a", "b"]),
            Node(name: "relu", op: Relu(), inputs: ["a"], outputs: ["t"]),
            Node(name: "again", op: Sigmoid(), inputs: ["t"], outputs: ["t"]),
            Node(name: "add", op: Add(), inputs: ["t", "a"], outputs: ["y"]),
        ], inputs: [GraphInput(name: "x", elementType: .float32, shape: [1, 4, 2])], outputs: ["y"], constants: [:])
        let session = try Session(graph: graph, options: SessionOptions(threads: 1, optimize: false))
        let x = Tensor(float32: (0..<8).map { Float($0) - 3.5 }, shape: [1, 4, 2])
        let plan = try session.plan(for: ["x": x])
        XCTAssertNil(plan.arena.offsets["t"], "a name written twice is not one value")
        let (a, b) = (try XCTUnwrap(plan.arena.offsets["a"]), try XCTUnwrap(plan.arena.offsets["b"]))
        XCTAssertNotEqual(a, b, "one step's outputs share bytes")
        let values = x.floats.prefix(4)
        let expected = values.map { 1 / (1 + exp(-max($0, 0))) + $0 }
        XCTAssertEqual(try session.run(["x": x])["y"]!.floats, expected)
    }

    func testRepeatedRunsReuseTheirBuffers() throws {
        let session = try Session(graph: Self.residualBlock(), options: SessionOptions(threads: 1, optimize: false))
        let first = try session.run(["x": input(batch: 2)])["p"]!.floats
        let pooled = session.pooledBytes
        XCTAssertGreaterThan(pooled, 0)
        for _ in 0..<3 {
            XCTAssertEqual(try session.run(["x": input(batch: 2)])["p"]!.floats, first)
            XCTAssertEqual(session.pooledBytes, pooled, "a planned run takes every intermediate buffer from the pool")
        }
    }

    func testBadFeedsNameTheProblem() throws {
        let session = try Session(graph: Self.residualBlock())
        let cases: [([String: Tensor], String)] = [
            ([:], "input 'x' is missing"),
            (["x": input(batch: 1), "y": input(batch: 1)], "no input 'y'"),
            (["x": Tensor(.float32, shape: [1, 3, 6, 6])], "must have shape [?, 4, 6, 6], not [1, 3, 6, 6]"),
            (["x": Tensor(.int64, shape: [1, 4, 6, 6])], "must be float32, not int64"),
        ]
        for (feeds, message) in cases {
            XCTAssertThrowsError(try session.run(feeds)) { error in
                XCTAssertEqual((error as? InferenceError)?.code, .wrongModelInput)
                XCTAssertTrue("\(error)".contains(message), "\(error)")
            }
        }
    }

    func testKernelErrorsNameTheNode() throws {
        let graph = Graph(nodes: [Node(name: "reshape_1", op: Reshape(), inputs: ["x", "shape"], outputs: ["y"])],
                          inputs: [GraphInput(name: "x", elementType: .float32, shape: [2, 3]), GraphInput(name: "shape", elementType: .int64, shape: [2])],
                          outputs: ["y"], constants: [:])
        let session = try Session(graph: graph)
        XCTAssertThrowsError(try session.run(["x": Tensor(.float32, shape: [2, 3]), "shape": Tensor(int64: [4, 4], shape: [2])])) { error in
            XCTAssertEqual((error as? InferenceError)?.node, "reshape_1")
            XCTAssertTrue("\(error)".contains("has 6 elements"), "\(error)")
        }
    }

    func testAvailableCoresFollowsTheAffinityMask() {
        XCTAssertGreaterThanOrEqual(KernelContext.availableCores, 1)
    }
}
