// Broadcasting arithmetic and activations.
import XCTest
@testable import Inference

final class ElementwiseTests: XCTestCase {
    func testBroadcastingAcrossLayouts() throws {
        let a = Tensor(float32: [1, 2, 3, 4, 5, 6], shape: [2, 3])
        XCTAssertEqual(try Add().evaluate([a, Tensor(float32: [10, 20, 30], shape: [3])])[0].floats, [11, 22, 33, 14, 25, 36])
        XCTAssertEqual(try Mul().evaluate([a, Tensor(float32: [2, 3], shape: [2, 1])])[0].floats, [2, 4, 6, 12, 15, 18])
        // One value per row, on either side: the operands keep their order.
        XCTAssertEqual(try Div().evaluate([a, Tensor(float32: [2, 4], shape: [2, 1])])[0].floats, [0.5, 1, 1.5, 1, 1.25, 1.5])
        XCTAssertEqual(try Sub().evaluate([Tensor(float32: [10, 20], shape: [2, 1]), a])[0].floats, [9, 8, 7, 16, 15, 14])
        XCTAssertEqual(try Sub().evaluate([Tensor(float32: [1], shape: []), a])[0].floats, [0, -1, -2, -3, -4, -5])
        XCTAssertEqual(try Div().evaluate([Tensor(int64: [7, -7], shape: [2]), Tensor(int64: [2, 0], shape: [2])])[0].int64s, [3, 0])
        XCTAssertThrowsError(try Add().evaluate([a, Tensor(float32: [1, 2], shape: [2])]))
    }

    func testPowKeepsTheBaseType() throws {
        let result = try Pow().evaluate([Tensor(int32: [2, 3], shape: [2]), Tensor(float32: [2, 0.5], shape: [2])])[0]
        XCTAssertEqual(result.elementType, .int32)
        XCTAssertEqual(result.int64s, [4, 1])
    }

    func testActivations() throws {
        let x = Tensor(float32: [-3, -0.5, 0, 0.5, 3, 7], shape: [6])
        XCTAssertEqual(try Relu().evaluate([x])[0].floats, [0, 0, 0, 0.5, 3, 7])
        XCTAssertEqual(try HardSwish().evaluate([x])[0].floats, [-0, -0.5 * (2.5 / 6), 0, 0.5 * (3.5 / 6), 3, 7].map { Float($0) })
        XCTAssertEqual(try Clip().evaluate([x, Tensor(float32: [0], shape: []), Tensor(float32: [6], shape: [])])[0].floats, [0, 0, 0, 0.5, 3, 6])
        XCTAssertEqual(try LeakyRelu(alpha: 0.1).evaluate([x])[0].floats[0], -0.3, accuracy: 1e-6)
    }

    func testLargeTensorsSplitAcrossThreadsGiveTheSameResult() throws {
        let x = Tensor(float32: (0..<300_000).map { Float($0 % 1000) / 100 - 5 }, shape: [300_000])
        let one = try Sigmoid().evaluate([x], context: KernelContext(threads: 1))[0].floats
        let two = try Sigmoid().evaluate([x], context: KernelContext(threads: 2))[0].floats
        XCTAssertEqual(one, two)
    }

    func testBroadcastSplitAcrossThreadsMatchesAnElementByElementReference() throws {
        // Large enough that each layout is split across threads, with rows that start mid-axis.
        let x = randomTensor([2, 64, 33, 17], seed: 11)
        for (other, shape) in [([2, 64, 1, 1], "per channel"), ([17], "last axis"), ([64, 1, 17], "middle axes"), ([2, 64, 33, 17], "same shape"),
                               ([1, 64, 33, 1], "channels and rows"), ([2, 1, 1, 17], "batch and columns")] {
            let y = randomTensor(other, seed: 12)
            let reference = try Mul().evaluate([x, y], context: KernelContext(threads: 1))[0]
            let threaded = try Mul().evaluate([x, y], context: KernelContext(threads: 3))[0]
            XCTAssertEqual(threaded.floats, reference.floats, shape)
            // Element by element through the broadcast rule, independent of the row walk.
            let (xs, ys, outs) = (x.floats, y.floats, threaded.floats)
            let yStrides = Broadcast.strides(of: other, in: x.shape)
            for flat in Swift.stride(from: 0, to: outs.count, by: 997) {
                var rest = flat, yOffset = 0
                for axis in (0..<4).reversed() {
                    yOffset += (rest % x.shape[axis]) * yStrides[axis]
                    rest /= x.shape[axis]
                }
                XCTAssertEqual(outs[flat], xs[flat] * ys[yOffset], "\(shape) at \(flat)")
            }
        }
    }

    func testBroadcastMergesAxesThatBroadcastAlike() {
        let perChannel = Broadcast.coalesced([16, 512, 7, 7], [16, 512, 7, 7], [16, 512, 1, 1])
        XCTAssertEqual(perChannel.output, [8192, 49])
        XCTAssertEqual(perChannel.a, [8192, 49])
        XCTAssertEqual(perChannel.b, [8192, 1])
        // Lower rank aligned from the right; axes of size 1 dropped; alternating patterns kept apart.
        let mixed = Broadcast.coalesced([2, 1, 3, 4, 5], [3, 1, 5], [2, 1, 1, 4, 5])
        XCTAssertEqual(mixed.output, [2, 3, 4, 5])
        XCTAssertEqual(mixed.a, [1, 3, 1, 5])
        XCTAssertEqual(mixed.b, [2, 1, 4, 5])
        XCTAssertEqual(Broadcast.coalesced([1, 1], [1], [1, 1]).output, [])
    }
}
