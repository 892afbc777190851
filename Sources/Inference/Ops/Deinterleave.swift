// A run of floats split into its even and odd positions, 8 pairs at a time: the copy that stride-2
// kernels (im2col taps, depthwise phases) make so that their inner loops read consecutive values.

enum Deinterleave {
    /// even[j] = source[2j], and odd[j] = source[2j + 1] when `odd` is given, for j in 0..<count.
    /// Reads source[0 ..< 2 * count] only.
    @inline(__always)
    static func pairs(_ source: UnsafePointer<Float>, count: Int, even: UnsafeMutablePointer<Float>,
                      odd: UnsafeMutablePointer<Float>?) {
        var j = 0
        while j + 8 <= count {
            let values = UnsafeRawPointer(source + 2 * j).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(even + j).storeBytes(of: values.evenHalf, as: SIMD8<Float>.self)
            if let odd { UnsafeMutableRawPointer(odd + j).storeBytes(of: values.oddHalf, as: SIMD8<Float>.self) }
            j += 8
        }
        while j < count {
            even[j] = source[2 * j]
            odd?[j] = source[2 * j + 1]
            j += 1
        }
    }
}
