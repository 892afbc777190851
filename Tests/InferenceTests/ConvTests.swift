// Conv against a naive reference: 1-D to 3-D, groups, depthwise, pointwise, dilations, padding, threads.
import XCTest
@testable import Inference

final class ConvTests: XCTestCase {
    /// Direct convolution with no tricks, in Double.
    static func reference(_ x: Tensor, _ w: Tensor, _ bias: [Float]?, group: Int, strides: [Int], pads: [Int], dilations: [Int]) -> [Float] {
        let spatial = Array(x.shape[2...]), kernel = Array(w.shape[2...]), rank = spatial.count
        var output: [Int] = []
        for axis in 0..<rank {
            let padded: Int = spatial[axis] + pads[axis] + pads[axis + rank]
            let extent: Int = dilations[axis] * (kernel[axis] - 1) + 1
            output.append((padded - extent) / strides[axis] + 1)
        }
        let xs = x.floats, ws = w.floats
        let n = x.shape[0], c = x.shape[1], m = w.shape[0], cg = c / group, mg = m / group
        var result: [Float] = []
        let outCount = output.reduce(1, *), kernelCount = kernel.reduce(1, *), inCount = spatial.reduce(1, *)
        func unravel(_ i: Int, _ shape: [Int]) -> [Int] { var i = i; return shape.reversed().map { let v = i % $0; i /= $0; return v }.reversed() }
        for b in 0..<n { for o in 0..<m {
            let g = o / mg
            for position in 0..<outCount {
                let out = unravel(position, output)
                var sum = Double(bias?[o] ?? 0)
                for ci in 0..<cg { for tap in 0..<kernelCount {
                    let k = unravel(tap, kernel)
                    var flat = 0
                    var inside = true
                    for axis in 0..<rank {
                        let s: Int = out[axis] * strides[axis] - pads[axis] + k[axis] * dilations[axis]
                        if s < 0 || s >= spatial[axis] { inside = false }
                        flat = flat * spatial[axis] + s
                    }
                    guard inside else { continue }
                    sum += Double(xs[(b * c + g * cg + ci) * inCount + flat]) * Double(ws[(o * cg + ci) * kernelCount + tap])
                } }
                result.append(Float(sum))
            }
        } }
        return result
    }

    private func random(_ shape: [Int], seed: Int) -> Tensor { randomTensor(shape, seed: seed) }

    private func assertMatchesReference(x: [Int], w: [Int], group: Int = 1, strides: [Int], pads: [Int], dilations: [Int],
                                        threads: Int = 1, line: UInt = #line) throws {
        let input = random(x, seed: 1), weights = random(w, seed: 2), bias = random([w[0]], seed: 3)
        let op = Conv(geometry: WindowGeometry(kernel: Array(w[2...]), strides: strides, pads: pads, dilations: dilations), group: group)
        let output = try op.evaluate([input, weights, bias], context: KernelContext(threads: threads))[0]
        let expected = Self.reference(input, weights, bias.floats, group: group, strides: strides, pads: pads, dilations: dilations)
        XCTAssertEqual(output.count, expected.count, line: line)
        let worst = zip(output.floats, expected).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(worst, 1e-4, "shape \(output.shape)", line: line)
    }

    func testTwoDimensionalWithPaddingStridesAndDilations() throws {
        try assertMatchesReference(x: [2, 3, 9, 7], w: [4, 3, 3, 3], strides: [2, 1], pads: [1, 2, 0, 1], dilations: [1, 2])
        // A stem as ResNets have it (7x7, stride 2, rows wide enough for the vector copy of every
        // other column), odd widths, and a dilated stride-2 kernel.
        try assertMatchesReference(x: [2, 3, 40, 45], w: [4, 3, 7, 7], strides: [2, 2], pads: [3, 3, 3, 3], dilations: [1, 1])
        try assertMatchesReference(x: [1, 2, 21, 39], w: [3, 2, 3, 3], strides: [2, 2], pads: [0, 1, 1, 0], dilations: [2, 2], threads: 2)
    }

    func testLargePatchMatricesAreBuiltAndMultipliedInBandsOfRows() throws {
        // 147 x 10 000 patch values per image, over the band size: one thread per image builds and
        // multiplies 8 output rows at a time (a last band of 4) onto the bias;
        // with one image and two threads the whole matrix is built at once.
        try assertMatchesReference(x: [2, 3, 100, 100], w: [8, 3, 7, 7], strides: [1, 1], pads: [3, 3, 3, 3], dilations: [1, 1], threads: 1)
        try assertMatchesReference(x: [3, 3, 100, 100], w: [8, 3, 7, 7], strides: [1, 1], pads: [3, 3, 3, 3], dilations: [1, 1], threads: 2)
        try assertMatchesReference(x: [2, 3, 224, 224], w: [16, 3, 3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], threads: 2)
        try assertMatchesReference(x: [1, 3, 100, 100], w: [8, 3, 7, 7], strides: [1, 1], pads: [3, 3, 3, 3], dilations: [1, 1], threads: 2)
    }

    func testGroupsDepthwiseAndPointwise() throws {
        try assertMatchesReference(x: [1, 6, 8, 8], w: [4, 3, 3, 3], group: 2, strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1])
        try assertMatchesReference(x: [2, 5, 9, 9], w: [5, 1, 3, 3], group: 5, strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], threads: 2)
        try assertMatchesReference(x: [2, 8, 5, 6], w: [3, 8, 1, 1], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1])
    }

    func testPointwiseOnOneByOneMapsIsOneProductOverTheImages() throws {
        // Squeeze-and-excitation and classifier layers: the images are the rows of one product,
        // split by output channels across threads, or by images when each thread takes whole images.
        for (batch, threads) in [(1, 1), (5, 1), (5, 2), (16, 2)] {
            try assertMatchesReference(x: [batch, 40, 1, 1], w: [150, 40, 1, 1], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1],
                                       threads: threads)
        }
        let input = random([3, 6, 1, 1], seed: 11), weights = random([9, 6, 1, 1], seed: 12), bias = random([9], seed: 13)
        let residual = random([3, 9, 1, 1], seed: 14)
        var fused = Conv(geometry: WindowGeometry(kernel: [1, 1]), activation: .hardSigmoid(alpha: 0.2, beta: 0.5))
        fused.addsResidual = true
        let output = try fused.evaluate([input, weights, bias, residual])[0].floats
        let plain = try Conv(geometry: WindowGeometry(kernel: [1, 1])).evaluate([input, weights, bias])[0]
        let expected = try HardSigmoid(alpha: 0.2, beta: 0.5).evaluate([Add().evaluate([plain, residual])[0]])[0].floats
        XCTAssertLessThan(zip(output, expected).map { abs($0 - $1) }.max() ?? 1, 1e-5)
    }

    func testDepthwiseStridesKernelsAndPadding() throws {
        // The shapes mobile networks use (3x3 and 5x5, stride 1 and 2), odd widths that leave partial
        // vectors, asymmetric padding, dilation, and more planes than threads; rows wide enough for the
        // vector split of stride-2 columns, with even and odd left padding.
        for (size, kernel, stride, pads, dilation) in [(7, 3, 1, [1, 1, 1, 1], 1), (14, 5, 2, [2, 2, 2, 2], 1), (13, 3, 2, [0, 1, 1, 0], 1),
                                                       (9, 5, 1, [2, 2, 2, 2], 1), (11, 3, 1, [2, 2, 2, 2], 2), (6, 3, 3, [1, 0, 0, 1], 1),
                                                       (33, 3, 2, [1, 1, 0, 0], 1), (40, 5, 2, [2, 0, 1, 2], 2)] {
            for threads in [1, 2] {
                try assertMatchesReference(x: [3, 4, size, size + 3], w: [4, 1, kernel, kernel], group: 4, strides: [stride, stride],
                                           pads: pads, dilations: [dilation, dilation], threads: threads)
            }
        }
        try assertMatchesReference(x: [2, 3, 17], w: [3, 1, 5], group: 3, strides: [2], pads: [2, 1], dilations: [1])
        try assertMatchesReference(x: [1, 2, 8, 9], w: [2, 1, 3, 3], group: 2, strides: [2, 1], pads: [1, 1, 1, 1], dilations: [1, 1])
    }

    func testDepthwiseInFullAndPartialBlocksOfEightChannels() throws {
        // 12 channels: one block of eight (through the lane transposes, including rows and bands
        // that end inside a transpose's eight columns) and one of four; rows shorter than a block of
        // positions (7 wide) and long ones (37 wide, one band of several rows).
        // Blocks of eight positions share loads for 3- and 5-wide kernels at column stride 1 or 2.
        for (size, kernel, stride, pads) in [(14, 5, 1, [2, 2, 2, 2]), (7, 3, 1, [1, 1, 1, 1]), (37, 3, 2, [1, 0, 1, 1]), (11, 5, 2, [2, 2, 2, 2]),
                                             (21, 5, 2, [2, 1, 2, 2]), (19, 3, 1, [0, 0, 0, 0])] {
            for threads in [1, 2] {
                try assertMatchesReference(x: [2, 12, size, size], w: [12, 1, kernel, kernel], group: 12, strides: [stride, stride],
                                           pads: pads, dilations: [1, 1], threads: threads)
            }
        }
        try assertMatchesReference(x: [1, 16, 3, 70], w: [16, 1, 3, 3], group: 16, strides: [1, 2], pads: [1, 1, 1, 1], dilations: [1, 2])
    }

    func testFusedDepthwiseResidualAndActivation() throws {
        let input = random([2, 10, 9, 9], seed: 7), weights = random([10, 1, 3, 3], seed: 8), bias = random([10], seed: 9)
        let residual = random([2, 10, 9, 9], seed: 10)
        let geometry = WindowGeometry(kernel: [3, 3], pads: [1, 1, 1, 1])
        var fused = Conv(geometry: geometry, group: 10, activation: .hardSwish)
        fused.addsResidual = true
        let output = try fused.evaluate([input, weights, bias, residual])[0].floats
        let plain = try Conv(geometry: geometry, group: 10).evaluate([input, weights, bias])[0]
        let expected = try HardSwish().evaluate([Add().evaluate([plain, residual])[0]])[0].floats
        XCTAssertEqual(output.count, expected.count)
        XCTAssertLessThan(zip(output, expected).map { abs($0 - $1) }.max() ?? 1, 1e-5)
    }

    func testOneAndThreeDimensional() throws {
        try assertMatchesReference(x: [1, 2, 11], w: [3, 2, 4], strides: [3], pads: [2, 1], dilations: [2])
        // 3-D as video models (R3D, R(2+1)D) use it: time x height x width.
        try assertMatchesReference(x: [1, 3, 4, 6, 6], w: [4, 3, 3, 3, 3], strides: [1, 2, 2], pads: [1, 1, 1, 1, 1, 1], dilations: [1, 1, 1], threads: 2)
        try assertMatchesReference(x: [1, 4, 5, 5, 5], w: [4, 1, 3, 1, 1], group: 4, strides: [1, 1, 1], pads: [1, 0, 0, 1, 0, 0], dilations: [1, 1, 1])
    }

    func testFusedResidualAndActivation() throws {
        let input = random([1, 2, 5, 5], seed: 4), weights = random([3, 2, 3, 3], seed: 5), residual = random([1, 3, 5, 5], seed: 6)
        var fused = Conv(geometry: WindowGeometry(kernel: [3, 3], pads: [1, 1, 1, 1]), activation: .relu)
        fused.addsResidual = true
        let output = try fused.evaluate([input, weights, nil, residual])[0].floats
        let plain = try Conv(geometry: WindowGeometry(kernel: [3, 3], pads: [1, 1, 1, 1])).evaluate([input, weights])[0]
        let expected = try Relu().evaluate([Add().evaluate([plain, residual])[0]])[0].floats
        XCTAssertEqual(output, expected)
    }

    func testRejectsMismatchedChannels() {
        let op = Conv(geometry: WindowGeometry(kernel: [3, 3]))
        XCTAssertThrowsError(try op.evaluate([random([1, 4, 5, 5], seed: 1), random([2, 3, 3, 3], seed: 2)])) { error in
            XCTAssertEqual((error as? InferenceError)?.code, .invalidInput)
            XCTAssertTrue("\(error)".contains("4 input channels"), "\(error)")
        }
    }
}
