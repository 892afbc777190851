// Shapes a broken or hostile model makes: errors that name the operator, never a trap or a wild
// allocation (each of these used to stop the process, allocate past the heap, or run for minutes).
import XCTest
@testable import Inference

final class ShapeLimitsTests: XCTestCase {
    private let row = Tensor(float32: [1, 2, 3, 4], shape: [1, 4])
    private let image = Tensor(float32: [1, 2, 3, 4], shape: [1, 1, 2, 2])

    private func assertRefused(_ text: String, line: UInt = #line, _ body: () throws -> Any) {
        XCTAssertThrowsError(try body(), line: line) { error in
            XCTAssertNotNil(error as? InferenceError, "\(error)", line: line)
            XCTAssertTrue("\(error)".contains(text), "\(error)", line: line)
        }
    }

    func testElementCounts() {
        XCTAssertEqual(ShapeLimits.elementCount([2, 3, 4]), 24)
        XCTAssertEqual(ShapeLimits.elementCount([]), 1)
        XCTAssertEqual(ShapeLimits.elementCount([1 << 20, 0]), 0)
        XCTAssertNil(ShapeLimits.elementCount([1 << 32, 2]))
        // BLAS's sizes are 32-bit: no tensor, so no product of its dimensions, may pass Int32.max.
        XCTAssertEqual(ShapeLimits.elementCount([Int(Int32.max)]), Int(Int32.max))
        XCTAssertNil(ShapeLimits.elementCount([1 << 31]))
        XCTAssertNil(ShapeLimits.elementCount([1 << 16, 1 << 15]))
        XCTAssertNil(ShapeLimits.elementCount([1 << 40, 1 << 40]))
        XCTAssertNil(ShapeLimits.elementCount([4, -1]))
        XCTAssertNil(ShapeLimits.dimension(2e30))
        XCTAssertNil(ShapeLimits.dimension(.nan))
        XCTAssertEqual(ShapeLimits.dimension(7), 7)
    }

    func testImpossibleOutputShapesAreErrors() {
        let huge = Int64(1) << 31
        assertRefused("more than 2147483647 elements") {
            try ConstantOfShape().evaluate([Tensor(int64: [huge, huge, huge], shape: [3])])
        }
        assertRefused("Pad: pads [0, 0, 0, 4611686018427387904] are out of range") {
            try Pad().evaluate([self.row, Tensor(int64: [0, 0, 0, 1 << 62], shape: [4])])
        }
        assertRefused("do not cover 4") {
            try Split(axis: 1, outputCount: 2).evaluate([self.row, Tensor(int64: [1 << 62, -(1 << 62) + 4], shape: [2])])
        }
        assertRefused("the scale makes axis 2") {
            try Resize().evaluate([self.image, nil, Tensor(float32: [1, 1, 1e30, 1e30], shape: [4])])
        }
        assertRefused("more than 2147483647") {
            try Reshape().evaluate([self.row, Tensor(int64: [1 << 40, 1 << 40], shape: [2])])
        }
        assertRefused("axis 2 is empty") {
            try Resize().evaluate([Tensor(float32: [], shape: [1, 1, 0, 2]), nil, nil, Tensor(int64: [1, 1, 4, 4], shape: [4])])
        }
    }

    /// Inputs kernels read as Float must be float32: a bool scale made LayerNormalization write four
    /// bytes per element into a one-byte-per-element output; scalars have no axis 0 (Concat wrote
    /// shape[0] of an empty shape); a Split with no outputs divided by zero.
    func testTypesAxesAndCountsOperatorsCannotTake() {
        let bools = Tensor(bool: [Bool](repeating: true, count: 4), shape: [4])
        let floats = Tensor(float32: [1, 2, 3, 4], shape: [4])
        assertRefused("LayerNormalization: input 0 must be float32") { try LayerNormalization().evaluate([bools, floats]) }
        assertRefused("LayerNormalization: input 1 must be float32") { try LayerNormalization().evaluate([floats, bools]) }
        assertRefused("BatchNormalization: input 1 must be float32") {
            let one = Tensor(float32: [1], shape: [1])
            return try BatchNormalization().evaluate([self.image, Tensor(bool: [true], shape: [1]), one, one, one])
        }
        let weights = Tensor(float32: [Float](repeating: 1, count: 9), shape: [1, 1, 3, 3])
        assertRefused("Conv: input 2 must be float32") {
            try Conv(geometry: WindowGeometry(kernel: [3, 3], pads: [1, 1, 1, 1]), group: 1).evaluate([self.image, weights, Tensor(bool: [true], shape: [1])])
        }
        let scalar = Tensor(float32: [1], shape: [])
        assertRefused("axis 0 is out of range for rank 0") { try Concat(axis: 0).evaluate([scalar, scalar]) }
        assertRefused("Split needs at least one output") { try Split(axis: 1, outputCount: 0).evaluate([self.row]) }
    }

    /// A thread count no machine has is taken as the most kernels use (`check-model --threads 4e16`
    /// overflowed a product that sizes per-thread work).
    func testAbsurdThreadCountsAreCapped() {
        XCTAssertEqual(KernelContext(threads: 40_000_000_000_000_000).threads, KernelContext.maximumThreads)
        XCTAssertEqual(KernelContext(threads: -3).threads, 1)
    }

    func testWindowsOutsideTheirRangeAreErrors() {
        assertRefused("each must be from 1") { try MaxPool(geometry: WindowGeometry(kernel: [0, 0])).evaluate([self.image]) }
        let weights = Tensor(float32: [Float](repeating: 1, count: 9), shape: [1, 1, 3, 3])
        assertRefused("each must be from 1") {
            try Conv(geometry: WindowGeometry(kernel: [3, 3], dilations: [1 << 40, 1 << 40]), group: 1).evaluate([self.image, weights])
        }
        assertRefused("each must be from 1") {
            try Conv(geometry: WindowGeometry(kernel: [3, 3], pads: [-5, -5, -5, -5]), group: 1).evaluate([self.image, weights])
        }
        // One stride for two axes was read past the end of its list (no bounds checks in release).
        let transposed = Tensor(float32: [1], shape: [1, 1, 1, 1])
        assertRefused("must give each of 2 axes a value") { try ConvTranspose(strides: [2]).evaluate([self.image, transposed]) }
        assertRefused("must give each of 2 axes a value") { try ConvTranspose(strides: [1 << 62, 1 << 62]).evaluate([self.image, transposed]) }
        assertRefused("must give each of 2 axes a value") {
            try ConvTranspose(strides: [2, 2], outputPadding: [1 << 40, 1 << 40]).evaluate([self.image, transposed])
        }
    }

    /// Model settings that reached memory unsafely (this module runs without bounds or overflow
    /// checks), each now refused or computed right.
    func testSettingsThatReachedMemoryUnsafely() throws {
        // A stride-2 tap wholly in the right padding: its empty column range made a negative pair
        // count, which wrote before that tap's row of the column matrix (over the tap before it).
        let row = Tensor(float32: (0..<7).map(Float.init), shape: [1, 1, 1, 7])
        let taps = Tensor(float32: [1, 1, 1], shape: [1, 1, 1, 3])
        let strided = try Conv(geometry: WindowGeometry(kernel: [1, 3], strides: [1, 2], pads: [0, 0, 0, 6], dilations: [1, 6]))
            .evaluate([row, taps])
        XCTAssertEqual(strided.first?.floats, [6], "x[0] + x[6] + padding")
        // Weights with no output channel hold no data whatever their kernel: the column matrix of
        // 256 channels x a 4096 x 4096 kernel is 2^32 floats for one output position.
        assertRefused("need a column matrix over the size limit") {
            try Conv(geometry: WindowGeometry(kernel: [4096, 4096], pads: [2048, 2048, 2047, 2047]))
                .evaluate([Tensor(float32: [Float](repeating: 1, count: 256), shape: [1, 256, 1, 1]), Tensor(float32: [], shape: [0, 256, 4096, 4096])])
        }
        // A 2^24 x 2^24 kernel wrapped the matrix to 0 floats, and im2col wrote 2^16 floats per row.
        assertRefused("over the size limit") {
            try Conv(geometry: WindowGeometry(kernel: [1 << 24, 1 << 24], pads: [1 << 23, 1 << 23, (1 << 23) + 31, (1 << 23) + 31]))
                .evaluate([self.image, Tensor(float32: [], shape: [0, 1, 1 << 24, 1 << 24])])
        }
        // Pooling visits every tap of every window: 4e12 per plane here, for an 88 MB output.
        assertRefused("over the size limit of one plane's work") {
            try MaxPool(geometry: WindowGeometry(kernel: [1 << 24, 1], strides: [64, 8], pads: [1 << 24, 0, 1 << 24, 0])).evaluate([self.image])
        }
        // Clip reads one element of each bound: an empty one was read past, an int64 one misread.
        assertRefused("min must be one float32 value") { try Clip().evaluate([self.image, Tensor(float32: [], shape: [0])]) }
        assertRefused("max must be one float32 value") { try Clip().evaluate([self.image, nil, Tensor(int64: [1], shape: [1])]) }
        // Floats read as integers (a shape, an index) saturate instead of being undefined.
        XCTAssertEqual(Tensor(float32: [.nan, .infinity, -1e30, 2.9, -2.9], shape: [5]).int64s, [.min, .max, .min, 2, -2])
    }

    /// Settings a model can give convolutions that kernels would act on unchecked: a group of zero
    /// (a division by zero), a group so large that channels x group wrapped to the input's count (a
    /// loop of 10^18 steps), a kernel_shape the weights do not have (sgemm read past them), a bias
    /// or fused residual shorter than the output (read past its end), a fill value with no element.
    func testConvolutionSettingsKernelsCannotTake() {
        let weights = Tensor(float32: [Float](repeating: 1, count: 9), shape: [1, 1, 3, 3])
        let transposed = Tensor(float32: [1], shape: [1, 1, 1, 1])
        assertRefused("group 0 does not divide") { try ConvTranspose(group: 0).evaluate([self.image, transposed]) }
        assertRefused("kernel_shape [4096, 4096] differs from weights") {
            try ConvTranspose(kernel: [4096, 4096]).evaluate([self.image, transposed])
        }
        assertRefused("bias [1] must have 2 elements") {
            try ConvTranspose().evaluate([self.image, Tensor(float32: [1, 1], shape: [1, 2, 1, 1]), Tensor(float32: [0], shape: [1])])
        }
        let three = Tensor(float32: [Float](repeating: 1, count: 12), shape: [1, 3, 2, 2])
        assertRefused("input channels do not match") {
            try Conv(geometry: WindowGeometry(kernel: [1, 1]), group: 0x6666666666666667).evaluate([three, Tensor(float32: [], shape: [0, 5, 1, 1])])
        }
        var fused = Conv(geometry: WindowGeometry(kernel: [3, 3], pads: [1, 1, 1, 1]))
        fused.addsResidual = true
        assertRefused("the residual added to the output is [1, 1, 1, 1], not the output's [1, 1, 2, 2]") {
            try fused.evaluate([self.image, weights, nil, Tensor(float32: [1], shape: [1, 1, 1, 1])])
        }
        assertRefused("bias [1] must have 16 elements") {
            let u = Tensor(float32: [Float](repeating: 1, count: 16 * 16 * 16), shape: [16, 16, 16])
            return try WinogradConv(geometry: WindowGeometry(kernel: [3, 3], pads: [1, 1, 1, 1]))
                .evaluate([Tensor(float32: [Float](repeating: 1, count: 64), shape: [1, 16, 2, 2]), u, Tensor(float32: [0], shape: [1])])
        }
        // A depthwise Conv padded by 2^24 on a 1x1 image: the blocked kernel's padded tile would
        // have been (2^25)^2 floats per thread. The output is the bias-free zeros plus the one tap.
        let padded = try? Conv(geometry: WindowGeometry(kernel: [1, 1], strides: [1 << 24, 1 << 24], pads: [1 << 24, 1 << 24, 1 << 24, 1 << 24]), group: 2)
            .evaluate([Tensor(float32: [1, 2], shape: [1, 2, 1, 1]), Tensor(float32: [3, 4], shape: [2, 1, 1, 1])])
        XCTAssertEqual(padded?.first?.shape, [1, 2, 3, 3])
        XCTAssertEqual(padded?.first?.floats, [0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0])
        // Shrinking axes are resized first: the intermediate stays within the input and output sizes
        // (axis order made a [2^24, 65536] one, 4 TiB, for this [2^24, 1] output).
        let wide = Tensor(float32: (0..<65536).map { Float($0 % 7) }, shape: [1, 65536])
        let tall = try? Resize(mode: .nearest).evaluate([wide, nil, Tensor(float32: [16384, 1.0 / 65536], shape: [2])])
        XCTAssertEqual(tall?.first?.shape, [16384, 1])
        assertRefused("value must hold one element") {
            try ConstantOfShape(value: Tensor(float32: [], shape: [0])).evaluate([Tensor(int64: [4], shape: [1])])
        }
    }
}
