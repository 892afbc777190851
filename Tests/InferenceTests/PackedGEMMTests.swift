// The AVX-512 products with packed weights: against a reference product at every edge of their
// blocking, and each convolution path that uses them against the same convolution on OpenBLAS.
import XCTest
@testable import Inference

final class PackedGEMMTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(PackedGEMM.isAvailable, "the packed products need an Intel CPU with AVX-512")
    }

    /// C = bias + A x B + residual, then ReLU, in Double, for B and C of any strides.
    private func reference(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, bRow: Int, bColumn: Int,
                           bias: [Float]?, residual: [Float]?, cRow: Int, cColumn: Int, relu: Bool) -> [Int: Float] {
        var c: [Int: Float] = [:]
        for i in 0..<m {
            for j in 0..<n {
                var sum = Double(bias?[i] ?? 0)
                for l in 0..<k { sum += Double(a[i * k + l]) * Double(b[l * bRow + j * bColumn]) }
                let index = i * cRow + j * cColumn
                sum += Double(residual?[index] ?? 0)
                c[index] = Float(relu && sum < 0 ? 0 : sum)
            }
        }
        return c
    }

    /// One product through `PackedGEMM.run` over the row ranges `splits`, against the reference.
    private func check(m: Int, n: Int, k: Int, transposed: Bool = false, extras: Bool = true, relu: Bool = true, splits: [Int] = [],
                       file: StaticString = #filePath, line: UInt = #line) {
        let a = randomTensor([m, k], seed: m * 31 + k).floats, b = randomTensor([k, n], seed: n * 17 + k).floats
        // Transposed: B is stored n x k and C n x m, as for images side by side as rows.
        let (bRow, bColumn) = transposed ? (1, k) : (n, 1)
        let (cRow, cColumn) = transposed ? (1, m) : (n, 1)
        let bias = extras ? randomTensor([m], seed: 5).floats : nil
        var residual = extras ? randomTensor([m * n], seed: 6).floats : nil
        if residual != nil { residual![0] = .nan }
        let paddedRows = (m + PackedGEMM.panelRows - 1) / PackedGEMM.panelRows * PackedGEMM.panelRows
        let matrix = Tensor(float32: a + [Float](repeating: 0, count: (paddedRows - m) * k), shape: [paddedRows, k])
        // An empty matrix still needs an address.
        let packed = PackedGEMM.pack(matrix, count: 1, rows: paddedRows, columns: k).floats + [0]
        let bValues = b + [0]
        var c = [Float](repeating: -7, count: m * n)
        let bounds = [0] + splits + [m]
        bValues.withUnsafeBufferPointer { b in
            packed.withUnsafeBufferPointer { packed in
                c.withUnsafeMutableBufferPointer { c in
                    let biasPointer = bias?.withUnsafeBufferPointer { $0.baseAddress! }
                    let residualPointer = residual?.withUnsafeBufferPointer { $0.baseAddress! }
                    let extras = PackedGEMM.Extras(bias: biasPointer, residual: residualPointer, relu: extras && relu)
                    for (first, end) in zip(bounds, bounds.dropFirst()) {
                        PackedGEMM.run(packed.baseAddress!, b.baseAddress!, rowStride: bRow, columnStride: bColumn,
                                       c.baseAddress!, rowStride: cRow, columnStride: cColumn, m: m, n: n, k: k, extras, rows: first..<end)
                    }
                }
            }
        }
        let expected = reference(a, b, m: m, n: n, k: k, bRow: bRow, bColumn: bColumn, bias: bias, residual: residual,
                                 cRow: cRow, cColumn: cColumn, relu: extras && relu)
        XCTAssertEqual(expected.count, m * n)
        for (index, value) in expected {
            // The residual's NaN stays NaN, through ReLU too, as in the engine's ReLU and ONNX's.
            if value.isNaN { XCTAssertTrue(c[index].isNaN, "C[\(index)] is \(c[index])", file: file, line: line); continue }
            let error = abs(c[index] - value) / Swift.max(1, abs(value))
            // Written so that a NaN fails.
            guard error <= 1e-5 else {
                XCTFail("m \(m) n \(n) k \(k) transposed \(transposed): C[\(index)] is \(c[index]), expected \(value)", file: file, line: line)
                return
            }
        }
    }

    func testProductsMatchAReferenceAtEveryEdge() {
        // Columns: within one vector, each of the three vectors of a tile, whole tiles, past a block of 384.
        for n in [1, 15, 16, 17, 33, 47, 48, 49, 100, 383, 384, 385, 800] { check(m: 16, n: n, k: 20) }
        // Rows short of a panel, and inner sizes across the blocks of 256.
        for (m, k) in [(1, 3), (7, 9), (13, 255), (24, 256), (8, 257), (21, 600)] { check(m: m, n: 50, k: k) }
        // An empty inner size: bias and residual alone.
        check(m: 8, n: 20, k: 0)
        // Row ranges that split panels (threads split by rows), and no extras.
        check(m: 40, n: 70, k: 300, splits: [3, 8, 21, 39])
        check(m: 24, n: 70, k: 30, extras: false, splits: [5])
        check(m: 16, n: 50, k: 300, relu: false)
        // B and C read and written a row apart (images as columns, transposed).
        check(m: 16, n: 5, k: 40, transposed: true)
        check(m: 13, n: 61, k: 270, transposed: true, splits: [6])
    }

    /// A convolution with packed weights against the same on OpenBLAS; returns the largest difference.
    private func difference(x: [Int], outChannels: Int, geometry: WindowGeometry, group: Int = 1, activation: Activation? = nil,
                            residual: Bool = true, threads: Int = 1) throws -> Float {
        let kernel = geometry.kernel
        let input = randomTensor(x, seed: 1), weights = randomTensor([outChannels, x[1] / group] + kernel, seed: 2)
        let bias = randomTensor([outChannels], seed: 3)
        var conv = Conv(geometry: geometry, group: group, activation: activation)
        conv.addsResidual = residual
        let output = try Conv(geometry: geometry, group: group).evaluate([input, weights])[0]
        let inputs = [input, weights, bias] + (residual ? [randomTensor(output.shape, seed: 4)] : [])
        let context = KernelContext(threads: threads)
        let expected = try conv.evaluate(inputs, context: context)[0]
        var packedConv = conv
        packedConv.weightsPacked = true
        let columns = weights.count / outChannels
        let packed = PackedGEMM.pack(weights, count: group, rows: outChannels / group, columns: columns)
        let actual = try packedConv.evaluate([input, packed] + inputs.dropFirst(2), context: context)[0]
        XCTAssertEqual(actual.shape, expected.shape)
        // A NaN counts as infinitely far (max() would pass over it).
        return zip(actual.floats, expected.floats).map { abs($0 - $1) }.map { $0.isNaN ? .infinity : $0 }.max() ?? .infinity
    }

    func testEveryConvolutionPathMatchesOpenBLAS() throws {
        // Pointwise, bias, residual and ReLU applied as tiles are stored; and an activation that is not.
        XCTAssertLessThan(try difference(x: [2, 24, 9, 11], outChannels: 32, geometry: WindowGeometry(kernel: [1, 1]), activation: .relu), 1e-4)
        XCTAssertLessThan(try difference(x: [2, 24, 9, 11], outChannels: 16, geometry: WindowGeometry(kernel: [1, 1]), activation: .hardSwish,
                                         threads: 2), 1e-4)
        // im2col, one product per image; and in bands of output rows (a large map, one thread).
        XCTAssertLessThan(try difference(x: [1, 16, 20, 20], outChannels: 24, geometry: WindowGeometry(kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1]),
                                         activation: .relu, threads: 2), 1e-4)
        XCTAssertLessThan(try difference(x: [1, 3, 224, 224], outChannels: 16, geometry: WindowGeometry(kernel: [7, 7], strides: [2, 2], pads: [3, 3, 3, 3]),
                                         activation: .relu), 1e-4)
        // Groups, each with its bias and residual, over more than one block of 256 rows of B.
        XCTAssertLessThan(try difference(x: [1, 32, 12, 12], outChannels: 16, geometry: WindowGeometry(kernel: [5, 5], pads: [2, 2, 2, 2]),
                                         group: 2, activation: .relu, threads: 2), 1e-4)
        // Groups; small maps side by side in one product; 1x1 maps with the images as columns.
        XCTAssertLessThan(try difference(x: [2, 32, 10, 10], outChannels: 16, geometry: WindowGeometry(kernel: [3, 3], pads: [1, 1, 1, 1]),
                                         group: 2, activation: .relu), 1e-4)
        XCTAssertLessThan(try difference(x: [3, 16, 8, 8], outChannels: 24, geometry: WindowGeometry(kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1]),
                                         activation: .relu), 1e-4)
        XCTAssertLessThan(try difference(x: [5, 40, 1, 1], outChannels: 72, geometry: WindowGeometry(kernel: [1, 1]), activation: .relu, threads: 2), 1e-4)
        XCTAssertLessThan(try difference(x: [5, 40, 1, 1], outChannels: 72, geometry: WindowGeometry(kernel: [1, 1]), activation: .sigmoid), 1e-4)
    }

    func testTheRewritePacksOnlyWhatThePackedProductsTake() throws {
        func graph(outChannels: Int, group: Int = 1, kernel: Int = 1) -> Graph {
            let conv = Conv(geometry: WindowGeometry(kernel: [kernel, kernel], pads: [kernel / 2, kernel / 2, kernel / 2, kernel / 2]), group: group)
            return Graph(nodes: [Node(name: "conv", op: conv, inputs: ["x", "w"], outputs: ["y"])],
                         inputs: [GraphInput(name: "x", elementType: .float32, shape: [nil, 16, 12, 12])], outputs: ["y"],
                         constants: ["w": randomTensor([outChannels, 16 / group, kernel, kernel], seed: 7)])
        }
        let x = randomTensor([2, 16, 12, 12], seed: 8)
        for (outChannels, group, kernel, packs) in [(24, 1, 1, true), (16, 1, 3, true), (12, 1, 1, false), (16, 16, 3, false), (32, 2, 1, true)] {
            let packed = try Session(graph: graph(outChannels: outChannels, group: group, kernel: kernel), options: SessionOptions(threads: 1, packWeights: true))
            let plain = try Session(graph: graph(outChannels: outChannels, group: group, kernel: kernel), options: SessionOptions(threads: 1, packWeights: false))
            let op = packed.graph.nodes[0].op
            XCTAssertEqual((op as? Conv)?.weightsPacked ?? (op as? WinogradConv)?.filtersPacked, packs, "\(outChannels) \(group) \(kernel)")
            XCTAssertEqual(packed.graph.nodes[0].inputs[1].hasSuffix("/packed"), packs)
            let a = try packed.run(["x": x])["y"]!.floats, b = try plain.run(["x": x])["y"]!.floats
            XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.map { $0.isNaN ? .infinity : $0 }.max()!, 1e-4, "\(outChannels) \(group) \(kernel)")
        }
    }
}
