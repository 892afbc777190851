// The tensor value type: construction, reshaping and copy on write.
import XCTest
@testable import Inference

final class TensorTests: XCTestCase {
    func testHoldsEachElementType() {
        XCTAssertEqual(Tensor(float32: [1, 2, 3, 4], shape: [2, 2]).floats, [1, 2, 3, 4])
        XCTAssertEqual(Tensor(int64: [-1, 5], shape: [2]).int64s, [-1, 5])
        XCTAssertEqual(Tensor(int32: [7], shape: []).int64s, [7])
        XCTAssertEqual(Tensor(bool: [true, false], shape: [2]).bools, [true, false])
        XCTAssertEqual(Tensor(.float32, shape: [2, 0, 3]).count, 0)
    }

    func testCopiesShareStorageUntilMutated() {
        let original = Tensor(float32: [1, 2, 3], shape: [3])
        var copy = original
        XCTAssertTrue(copy.storage === original.storage)
        copy.withUnsafeMutableBufferPointer(as: Float.self) { $0[0] = 9 }
        XCTAssertEqual(original.floats, [1, 2, 3])
        XCTAssertEqual(copy.floats, [9, 2, 3])
    }

    func testReshapeKeepsElements() {
        let tensor = Tensor(float32: [1, 2, 3, 4, 5, 6], shape: [2, 3]).reshaped([3, 2])
        XCTAssertEqual(tensor.shape, [3, 2])
        XCTAssertEqual(tensor.floats, [1, 2, 3, 4, 5, 6])
    }
}
