// The transforms of Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2015): a 2x2 output tile of a 3x3 convolution from 16 products of
// a transformed 4x4 input tile and a transformed filter, instead of 36 multiplications.
//
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//   Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1]   Aᵀ = [1 1 1 0; 0 1 -1 -1]
//
// The filter transform is here (it runs once, at load); the input and output transforms, which run
// at every inference over rows of tiles, 8 tiles per vector lane, are in CWinograd.

import Dispatch

enum WinogradTransforms {
    /// The 16 transformed positions of a tile.
    static let positions = 16
    /// Tiles per vector.
    static let lanes = 8
    typealias Vector = SIMD8<Float>

    /// U[ξ][m][c] = (G g Gᵀ)[ξ] for every output channel m and input channel c of weights [M, C, 3, 3].
    /// G only halves and adds, so Float loses at most an ulp or two; output channels run in parallel
    /// and eight input channels share each vector operation and store (this is on the model-load
    /// path: one filter at a time took ~18 ms of open-nsfw's load).
    static func filters(_ weights: UnsafePointer<Float>, outChannels: Int, inChannels: Int) -> Tensor {
        var u = Tensor(.float32, shape: [positions, outChannels, inChannels])
        let plane = outChannels * inChannels
        u.withUnsafeMutableBufferPointer(as: Float.self) { buffer in
            let u = buffer.baseAddress!
            DispatchQueue.concurrentPerform(iterations: outChannels) { m in
                for c in stride(from: 0, to: inChannels, by: lanes) {
                    let count = min(lanes, inChannels - c)
                    let w = weights + (m * inChannels + c) * 9
                    let target = u + m * inChannels + c
                    // Tap k of the filters of input channels c..<c+count, one per lane.
                    func tap(_ k: Int) -> Vector {
                        if count == lanes {
                            return Vector(w[k], w[9 + k], w[18 + k], w[27 + k], w[36 + k], w[45 + k], w[54 + k], w[63 + k])
                        }
                        var taps = Vector()
                        for lane in 0..<count { taps[lane] = w[9 * lane + k] }
                        return taps
                    }
                    func put(_ position: Int, _ value: Vector) {
                        let row = target + position * plane
                        if count == lanes {
                            UnsafeMutableRawPointer(row).storeBytes(of: value, as: Vector.self)
                        } else {
                            for lane in 0..<count { row[lane] = value[lane] }
                        }
                    }
                    filter(taps: (tap(0), tap(1), tap(2), tap(3), tap(4), tap(5), tap(6), tap(7), tap(8)), put: put)
                }
            }
        }
        return u
    }

    /// G g Gᵀ of the 3x3 filters in the lanes of `g` (taps in row-major order), each of the 16
    /// positions handed to `put`.
    @inline(__always)
    private static func filter(taps g: (Vector, Vector, Vector, Vector, Vector, Vector, Vector, Vector, Vector),
                               put: (Int, Vector) -> Void) {
        // One row of G g (three values) times Gᵀ: the four values of row `row` of U.
        func row(_ row: Int, _ a: Vector, _ b: Vector, _ d: Vector) {
            put(row * 4, a)
            put(row * 4 + 1, (a + b + d) * 0.5)
            put(row * 4 + 2, (a - b + d) * 0.5)
            put(row * 4 + 3, d)
        }
        // G g, row by row: g's rows 0 and 2, and their half sum and half difference with row 1.
        row(0, g.0, g.1, g.2)
        row(1, (g.0 + g.3 + g.6) * 0.5, (g.1 + g.4 + g.7) * 0.5, (g.2 + g.5 + g.8) * 0.5)
        row(2, (g.0 - g.3 + g.6) * 0.5, (g.1 - g.4 + g.7) * 0.5, (g.2 - g.5 + g.8) * 0.5)
        row(3, g.6, g.7, g.8)
    }
}
