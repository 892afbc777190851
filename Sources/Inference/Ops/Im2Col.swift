// im2col: the input patches a convolution multiplies, laid out as a matrix for sgemm.

enum Im2Col {
    /// Fills `columns` ([channels * kernelCount] rows of `outputCount` values, `rowStride` apart) from
    /// `input` ([channels, D, H, W]); taps that fall in the padding are 0. A row stride larger than
    /// the output count lets several images share one matrix, side by side, for one larger sgemm.
    /// `outputRows` limits the matrix to a band of output rows (2-D and 1-D only: D = 1), each
    /// matrix row then holding that band's positions.
    static func fill(_ input: UnsafePointer<Float>, channels: Int, _ g: WindowGeometry.Resolved,
                     into columns: UnsafeMutablePointer<Float>, rowStride: Int? = nil, outputRows: Range<Int>? = nil,
                     _ context: KernelContext) {
        let (id, ih, iw) = (g.input[0], g.input[1], g.input[2])
        let (od, ow) = (g.output[0], g.output[2])
        let (kd, kh, kw) = (g.kernel[0], g.kernel[1], g.kernel[2])
        precondition(outputRows == nil || od == 1, "im2col bands are for 1-D and 2-D convolutions")
        let band = outputRows ?? 0..<g.output[1]
        let oh = band.count
        let outputCount = od * oh * ow
        let rows = channels * kd * kh * kw
        let stride = rowStride ?? outputCount
        let columnsInside = (0..<kw).map { g.columnsInside(tap: $0) }
        context.parallelFor(rows, minimumChunk: 8) { range in
            for row in range {
                var rest = row
                let x = rest % kw; rest /= kw
                let y = rest % kh; rest /= kh
                let z = rest % kd
                let c = rest / kd
                let plane = input + c * id * ih * iw
                var target = columns + row * stride
                for d in 0..<od {
                    let sz = d * g.strides[0] - g.padBegin[0] + z * g.dilations[0]
                    if sz < 0 || sz >= id {
                        target.update(repeating: 0, count: oh * ow)
                        target += oh * ow
                        continue
                    }
                    for h in band {
                        let sy = h * g.strides[1] - g.padBegin[1] + y * g.dilations[1]
                        if sy < 0 || sy >= ih {
                            target.update(repeating: 0, count: ow)
                            target += ow
                            continue
                        }
                        let line = plane + (sz * ih + sy) * iw
                        let step = g.strides[2], offset = x * g.dilations[2] - g.padBegin[2]
                        // Output columns whose tap lands inside the row; the rest are padding.
                        let inside = columnsInside[x]
                        let (first, last) = (inside.lowerBound, inside.upperBound)
                        if first > 0 { target.update(repeating: 0, count: first) }
                        if step == 1 {
                            (target + first).update(from: line + first + offset, count: last - first)
                        } else if step == 2 {
                            everyOther(from: line, offset: offset, rowWidth: iw, into: target, columns: first..<last)
                        } else {
                            for w in first..<last { target[w] = line[w * step + offset] }
                        }
                        if last < ow { (target + last).update(repeating: 0, count: ow - last) }
                        target += ow
                    }
                }
            }
        }
    }

    /// target[w] = line[2w + offset] for w in `columns` (a stride-2 tap): the columns whose odd
    /// neighbour is still in the row (`rowWidth` values) as pairs, the last one alone.
    @inline(__always)
    private static func everyOther(from line: UnsafePointer<Float>, offset: Int, rowWidth: Int,
                                   into target: UnsafeMutablePointer<Float>, columns: Range<Int>) {
        // No column inside (a tap wholly in the padding): `start` may then lie past the row, and a
        // negative pair count would write before the target.
        guard !columns.isEmpty else { return }
        let start = 2 * columns.lowerBound + offset
        let pairs = Swift.min(columns.count, (rowWidth - start) / 2)
        Deinterleave.pairs(line + start, count: pairs, even: target + columns.lowerBound, odd: nil)
        for w in columns.lowerBound + pairs..<columns.upperBound { target[w] = line[2 * w + offset] }
    }
}
