// MaxPool's fast path (no Indices output): each output row is the running max of shifted input rows.

enum WindowedMax {
    static func run(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, planes: Int, _ g: WindowGeometry.Resolved, _ context: KernelContext) {
        let (id, ih, iw) = (g.input[0], g.input[1], g.input[2])
        let (od, oh, ow) = (g.output[0], g.output[1], g.output[2])
        let (sw, dw, pw) = (g.strides[2], g.dilations[2], g.padBegin[2])
        let columnRanges = (0..<g.kernel[2]).map { g.columnsInside(tap: $0) }
        context.parallelFor(planes, minimumChunk: 1) { range in
            for plane in range {
                let input = x + plane * id * ih * iw, output = y + plane * od * oh * ow
                output.update(repeating: -.infinity, count: od * oh * ow)
                for d in 0..<od {
                    for a in 0..<g.kernel[0] {
                        let sz = d * g.strides[0] - g.padBegin[0] + a * g.dilations[0]
                        if sz < 0 || sz >= id { continue }
                        for h in 0..<oh {
                            let row = output + (d * oh + h) * ow
                            for b in 0..<g.kernel[1] {
                                let sy = h * g.strides[1] - g.padBegin[1] + b * g.dilations[1]
                                if sy < 0 || sy >= ih { continue }
                                let line = input + (sz * ih + sy) * iw
                                for e in 0..<g.kernel[2] {
                                    let offset = e * dw - pw
                                    let columns = columnRanges[e]
                                    // A select rather than a branch: which value wins is unpredictable.
                                    if sw == 1 {
                                        let source = line + offset
                                        for v in columns { let x = source[v], r = row[v]; row[v] = x > r ? x : r }
                                    } else if sw == 2 {
                                        let source = line + offset
                                        for v in columns { let x = source[2 * v], r = row[v]; row[v] = x > r ? x : r }
                                    } else {
                                        for v in columns { let x = line[v * sw + offset], r = row[v]; row[v] = x > r ? x : r }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
