// Winograd F(2x2, 3x3) against the im2col Conv (itself checked against a direct reference), and the
// rewrite that chooses it.
import XCTest
@testable import Inference

final class WinogradConvTests: XCTestCase {
    private func random(_ shape: [Int], seed: Int) -> Tensor { randomTensor(shape, seed: seed) }

    /// The same convolution both ways; returns the largest absolute difference.
    private func difference(x: [Int], outChannels: Int, geometry: WindowGeometry, activation: Activation? = nil,
                            residual: Bool = false, threads: Int = 1) throws -> Float {
        let input = random(x, seed: 1), weights = random([outChannels, x[1], 3, 3], seed: 2), bias = random([outChannels], seed: 3)
        var conv = Conv(geometry: geometry, activation: activation)
        conv.addsResidual = residual
        let plain = try conv.evaluate([input, weights, bias])[0]
        let extra = residual ? [random(plain.shape, seed: 4)] : []
        let expected = try conv.evaluate([input, weights, bias] + extra)[0]
        let filters = weights.withUnsafeBufferPointer(as: Float.self) {
            WinogradTransforms.filters($0.baseAddress!, outChannels: outChannels, inChannels: x[1])
        }
        let winograd = WinogradConv(geometry: geometry, activation: activation, addsResidual: residual)
        let output = try winograd.evaluate([input, filters, bias] + extra,
                                           context: KernelContext(threads: threads))[0]
        XCTAssertEqual(output.shape, expected.shape)
        return zip(output.floats, expected.floats).map { abs($0 - $1) }.max() ?? .infinity
    }

    func testMatchesIm2ColForOddSizesAndPadding() throws {
        // Odd output sizes leave half tiles at the right and bottom edges.
        XCTAssertLessThan(try difference(x: [1, 16, 7, 9], outChannels: 16, geometry: WindowGeometry(kernel: [3, 3], pads: [1, 1, 1, 1])), 1e-4)
        XCTAssertLessThan(try difference(x: [2, 17, 8, 8], outChannels: 20, geometry: WindowGeometry(kernel: [3, 3])), 1e-4)
        XCTAssertLessThan(try difference(x: [1, 16, 6, 5], outChannels: 16, geometry: WindowGeometry(kernel: [3, 3], pads: [0, 1, 1, 0])), 1e-4)
        XCTAssertLessThan(try difference(x: [1, 16, 5, 5], outChannels: 16, geometry: WindowGeometry(kernel: [3, 3], autoPad: .sameUpper)), 1e-4)
        XCTAssertLessThan(try difference(x: [1, 16, 1, 1], outChannels: 16, geometry: WindowGeometry(kernel: [3, 3], pads: [1, 1, 1, 1])), 1e-4)
    }

    func testFusedEpilogueAndThreads() throws {
        let geometry = WindowGeometry(kernel: [3, 3], pads: [1, 1, 1, 1])
        XCTAssertLessThan(try difference(x: [3, 16, 14, 14], outChannels: 32, geometry: geometry, activation: .relu, residual: true, threads: 2), 1e-4)
        XCTAssertLessThan(try difference(x: [1, 32, 28, 28], outChannels: 16, geometry: geometry, activation: .hardSwish, threads: 2), 1e-4)
        // Enough tiles for several chunks per image.
        XCTAssertLessThan(try difference(x: [2, 64, 56, 56], outChannels: 64, geometry: geometry, threads: 2), 1e-4)
        // Rows of three vectors of tiles whose last one is short (37 = 16 + 16 + 5 values), with a
        // residual with and without the ReLU stored with them, and an odd number of rows.
        XCTAssertLessThan(try difference(x: [1, 16, 37, 37], outChannels: 16, geometry: geometry, activation: .relu, residual: true), 1e-4)
        XCTAssertLessThan(try difference(x: [1, 16, 37, 35], outChannels: 24, geometry: geometry, residual: true), 1e-4)
        // An activation applied after the rows are stored, over an odd number of them: it must
        // cover exactly the rows of each tile row, not run into the next channel's.
        XCTAssertLessThan(try difference(x: [1, 16, 37, 35], outChannels: 24, geometry: geometry, activation: .hardSwish, residual: true), 1e-4)
    }

    /// A NaN reaching the output stays NaN through the ReLU stored with it, as the engine's ReLU
    /// keeps it; its neighbours are untouched.
    func testNaNStaysNaNThroughTheStoredReLU() throws {
        let geometry = WindowGeometry(kernel: [3, 3], pads: [1, 1, 1, 1])
        let input = random([1, 16, 9, 9], seed: 1), weights = random([16, 16, 3, 3], seed: 2), bias = random([16], seed: 3)
        var residual = random([1, 16, 9, 9], seed: 4)
        residual.withUnsafeMutableBufferPointer(as: Float.self) { $0[5 * 81 + 4 * 9 + 8] = .nan }
        let filters = weights.withUnsafeBufferPointer(as: Float.self) {
            WinogradTransforms.filters($0.baseAddress!, outChannels: 16, inChannels: 16)
        }
        let output = try WinogradConv(geometry: geometry, activation: .relu, addsResidual: true)
            .evaluate([input, filters, bias, residual], context: KernelContext(threads: 1))[0].floats
        XCTAssertTrue(output[5 * 81 + 4 * 9 + 8].isNaN)
        XCTAssertEqual(output.filter(\.isNaN).count, 1)
        XCTAssertTrue(output.allSatisfy { $0.isNaN || $0 >= 0 })
    }

    func testRewriteChoosesWinogradOnlyWhereItApplies() throws {
        func graph(kernel: Int, stride: Int, channels: Int) -> Graph {
            let conv = Conv(geometry: WindowGeometry(kernel: [kernel, kernel], strides: [stride, stride], pads: [1, 1, 1, 1]))
            return Graph(nodes: [Node(name: "conv", op: conv, inputs: ["x", "w"], outputs: ["y"])],
                         inputs: [GraphInput(name: "x", elementType: .float32, shape: [nil, channels, 10, 10])], outputs: ["y"],
                         constants: ["w": random([channels, channels, kernel, kernel], seed: 5)])
        }
        let chosen = try Session(graph: graph(kernel: 3, stride: 1, channels: 16))
        XCTAssertTrue(chosen.graph.nodes[0].op is WinogradConv)
        // The transformed filters, packed too where the CPU takes packed products.
        XCTAssertEqual(chosen.graph.constants[chosen.graph.nodes[0].inputs[1]]?.shape, [16, 16, 16])
        for (kernel, stride, channels) in [(3, 2, 16), (5, 1, 16), (3, 1, 4)] {
            XCTAssertTrue(try Session(graph: graph(kernel: kernel, stride: stride, channels: channels)).graph.nodes[0].op is Conv)
        }
        let x = random([2, 16, 10, 10], seed: 6)
        let unoptimized = try Session(graph: graph(kernel: 3, stride: 1, channels: 16), options: SessionOptions(threads: 1, optimize: false))
        let a = try chosen.run(["x": x])["y"]!.floats, b = try unoptimized.run(["x": x])["y"]!.floats
        XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max()!, 1e-4)
    }
}
