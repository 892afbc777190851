// Softmax against a Double reference where float sums lose precision.
import XCTest
@testable import Inference

final class SoftmaxTests: XCTestCase {
    /// 18,710 classes (an OCR model's) with one logit far ahead: each small exponential is under
    /// half a float step of the running sum, and a float sum lost them (3.4e-5 off here).
    func testManyClassesWithOneFarAheadMatchADoubleReference() throws {
        var logits = (0..<18_710).map { Float(($0 * 7919) % 1000) / 500 }
        logits[0] = 16
        let ours = try Softmax().evaluate([Tensor(float32: logits, shape: [1, logits.count])])[0].floats
        let maximum = Double(logits.max()!)
        let exponentials = logits.map { exp(Double($0) - maximum) }
        let total = exponentials.reduce(0, +)
        let worst = zip(ours, exponentials).map { abs(Double($0) - $1 / total) }.max()!
        XCTAssertLessThan(worst, 1e-6)
    }

    func testEachRowSumsToOneAlongTheAxis() throws {
        let x = Tensor(float32: [1, 2, 3, -1, 0, 1], shape: [2, 3])
        let rows = try Softmax(axis: 1).evaluate([x])[0].floats
        XCTAssertEqual(rows[0] + rows[1] + rows[2], 1, accuracy: 1e-6)
        XCTAssertEqual(rows[2], Float(exp(2.0) / (1 + exp(1.0) + exp(2.0))), accuracy: 1e-6)
        let columns = try Softmax(axis: 0).evaluate([x])[0].floats
        XCTAssertEqual(columns[0] + columns[3], 1, accuracy: 1e-6)
    }
}
