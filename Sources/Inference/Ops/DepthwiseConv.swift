// The depthwise case of Conv (one input and one output channel per group): direct loops, since
// sgemm on a single-row matrix per channel would waste most of its work.

enum DepthwiseConv {
    static func run(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                    batch: Int, channels: Int, _ g: WindowGeometry.Resolved, epilogue: ConvEpilogue, _ context: KernelContext) throws(InferenceError) {
        let blocked = BlockedDepthwise(geometry: g)
        if g.kernel[0] == 1 && g.input[0] == 1 && g.output[0] == 1 && blocked.tileFits {
            try blocked.run(x, w, y, batch: batch, channels: channels, epilogue: epilogue, context)
        } else {
            runVolumes(x, w, y, batch: batch, channels: channels, g, context)
            epilogue.finish(images: 0..<batch, y, context)
        }
    }

    /// 3-D kernels (video models): accumulate one kernel tap at a time into each output row.
    private static func runVolumes(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                   batch: Int, channels: Int, _ g: WindowGeometry.Resolved, _ context: KernelContext) {
        let (id, ih, iw) = (g.input[0], g.input[1], g.input[2])
        let (od, oh, ow) = (g.output[0], g.output[1], g.output[2])
        let (kd, kh, kw) = (g.kernel[0], g.kernel[1], g.kernel[2])
        let (sw, dw, pw) = (g.strides[2], g.dilations[2], g.padBegin[2])
        let columnRanges = (0..<g.kernel[2]).map { g.columnsInside(tap: $0) }
        context.parallelFor(batch * channels, minimumChunk: 1) { range in
            for plane in range {
                let c = plane % channels
                let input = x + plane * id * ih * iw, output = y + plane * od * oh * ow
                let weights = w + c * kd * kh * kw
                output.update(repeating: 0, count: od * oh * ow)
                for d in 0..<od {
                    for a in 0..<kd {
                        let sz = d * g.strides[0] - g.padBegin[0] + a * g.dilations[0]
                        if sz < 0 || sz >= id { continue }
                        for h in 0..<oh {
                            let row = output + (d * oh + h) * ow
                            for b in 0..<kh {
                                let sy = h * g.strides[1] - g.padBegin[1] + b * g.dilations[1]
                                if sy < 0 || sy >= ih { continue }
                                let line = input + (sz * ih + sy) * iw
                                for e in 0..<kw {
                                    let weight = weights[(a * kh + b) * kw + e]
                                    let offset = e * dw - pw
                                    let columns = columnRanges[e]
                                    if sw == 1 {
                                        let source = line + offset
                                        for v in columns { row[v] += source[v] * weight }
                                    } else {
                                        for v in columns { row[v] += line[v * sw + offset] * weight }
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
