// Broadcasting arithmetic and activations.
import XCTest
@testable import Inference

final class ElementwiseTests: XCTestCase {
    func testBroadcastingAcrossLayouts() throws {
        let a = Tensor(float32: [1, 2, 3, 4, 5, 6], shape: [2, 3])
        XCTAssertEqual(try Add().evaluate([a, Tensor(float32: [10, 20, 30], shape: [3])])[0].floats, [11, 22, 33, 14, 25, 36])
        XCTAssertEqual(try Mul().evaluate([a, Tensor(float32: [2, 3], shape: [2, 1])])[0].floats, [2, 4, 6, 12, 15, 18])
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
}
