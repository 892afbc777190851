// Pad against an element-by-element reference, and values that must pass through unchanged.
import XCTest
@testable import Inference

final class PadTests: XCTestCase {
    /// The output the ONNX spec describes, one element at a time: each output index minus the
    /// begin padding, mapped into the input by the mode (nil: the constant).
    private func reference(_ input: [Float], _ inputShape: [Int], begin: [Int], end: [Int], mode: Pad.Mode, value: Float) -> [Float] {
        let outputShape = inputShape.indices.map { inputShape[$0] + begin[$0] + end[$0] }
        let count = outputShape.reduce(1, *)
        var output: [Float] = []
        for position in 0..<count {
            var rest = position, offset = 0, stride = 1, inside = true
            for axis in inputShape.indices.reversed() {
                var i = rest % outputShape[axis] - begin[axis]
                rest /= outputShape[axis]
                let n = inputShape[axis]
                if i < 0 || i >= n {
                    switch mode {
                    case .constant: inside = false
                    case .edge: i = min(max(i, 0), n - 1)
                    case .reflect:
                        while i < 0 || i >= n { i = i < 0 ? -i : 2 * (n - 1) - i }
                    case .wrap: i = ((i % n) + n) % n
                    }
                }
                offset += i * stride
                stride *= n
            }
            output.append(inside ? input[offset] : value)
        }
        return output
    }

    func testEveryModeMatchesTheReferenceWithPaddingAndCropping() throws {
        var generator = SystemRandomNumberGenerator()
        for mode in [Pad.Mode.constant, .edge, .reflect, .wrap] {
            for _ in 0..<40 {
                let rank = Int.random(in: 1...4, using: &generator)
                let shape = (0..<rank).map { _ in Int.random(in: 2...5, using: &generator) }
                // Reflect pads by less than the axis (as onnxruntime requires); others up to twice it.
                let limit = { (n: Int) in mode == .reflect ? n - 1 : 2 * n }
                let begin = shape.map { Int.random(in: -1...limit($0), using: &generator) }
                let end = shape.map { Int.random(in: -1...limit($0), using: &generator) }
                let values = (0..<shape.reduce(1, *)).map { Float($0) + 0.5 }
                let pads = Tensor(int64: (begin + end).map(Int64.init), shape: [2 * rank])
                let output = try Pad(mode: mode).evaluate([Tensor(float32: values, shape: shape), pads, Tensor(float32: [-7], shape: [])])[0]
                XCTAssertEqual(output.floats, reference(values, shape, begin: begin, end: end, mode: mode, value: -7),
                               "\(mode) \(shape) begin \(begin) end \(end)")
            }
        }
    }

    func testInt64ValuesPastTwoToThe53PassThroughExactly() throws {
        let big: Int64 = (1 << 53) + 1
        let input = Tensor(int64: [big, -big, .max], shape: [3])
        let output = try Pad(mode: .constant).evaluate([input, Tensor(int64: [1, 1], shape: [2]), Tensor(int64: [.min], shape: [])])[0]
        XCTAssertEqual(output.int64s, [.min, big, -big, .max, .min])
        let edge = try Pad(mode: .edge).evaluate([input, Tensor(int64: [0, 2], shape: [2])])[0]
        XCTAssertEqual(edge.int64s, [big, -big, .max, .max, .max])
    }

    func testAnEmptyAxisIsFilledWithTheConstant() throws {
        let output = try Pad().evaluate([Tensor(float32: [], shape: [2, 0]), Tensor(int64: [0, 1, 0, 1], shape: [4]), Tensor(float32: [3], shape: [])])[0]
        XCTAssertEqual(output.shape, [2, 2])
        XCTAssertEqual(output.floats, [3, 3, 3, 3])
    }

    func testClipAndCastKeepIntegersExact() throws {
        let big: Int64 = (1 << 53) + 1
        let x = Tensor(int64: [big, -big, 5], shape: [3])
        let clipped = try Clip().evaluate([x, Tensor(int64: [-big + 2], shape: []), Tensor(int64: [big], shape: [])])[0]
        XCTAssertEqual(clipped.int64s, [big, -big + 2, 5])
        XCTAssertEqual(try Cast(to: .int32).evaluate([x])[0].int64s, [Int64(Int32.max), Int64(Int32.min), 5])
        XCTAssertEqual(try Cast(to: .float32).evaluate([Tensor(int32: [-3, 16_777_217], shape: [2])])[0].floats, [-3, 16_777_216])
    }
}
