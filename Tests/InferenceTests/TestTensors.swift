// Deterministic pseudo-random tensors for kernel tests: values in [-1, 1] in steps of 0.001.
@testable import Inference

func randomTensor(_ shape: [Int], seed: Int) -> Tensor {
    var state = UInt64(seed) &* 6364136223846793005 &+ 1442695040888963407
    let values = (0..<shape.reduce(1, *)).map { _ -> Float in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int(state >> 33) % 2001 - 1000) / 1000
    }
    return Tensor(float32: values, shape: shape)
}
