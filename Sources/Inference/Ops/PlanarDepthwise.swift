// Depthwise convolution of 1-D and 2-D planes with every kernel tap summed in vector registers.
//
// Each input plane is first copied into zero-padded "phase" planes, one per horizontal stride phase
// (phase p holds padded columns p, p + stride, ...), so that every tap of every output row reads
// consecutive floats with no bounds checks. The outputs are computed 8 at a time over a grid as
// wide as a phase row (the extra columns are discarded) and copied out with the epilogue applied.

struct PlanarDepthwise {
    let geometry: WindowGeometry.Resolved
    /// Columns of a phase plane: every output column plus the kernel's reach, in phase steps.
    let phaseWidth: Int
    /// Rows of the padded input every output row and tap may read.
    let paddedHeight: Int
    /// Output positions computed per plane: whole rows of `phaseWidth`, rounded up to the vector width,
    /// plus one vector for the last row's overhang.
    let gridCount: Int

    static let lanes = 8
    typealias Vector = SIMD8<Float>

    init(geometry g: WindowGeometry.Resolved) {
        geometry = g
        let (oh, ow) = (g.output[1], g.output[2])
        phaseWidth = ow + ((g.kernel[2] - 1) * g.dilations[2]) / g.strides[2] + 1
        paddedHeight = (oh - 1) * g.strides[1] + (g.kernel[1] - 1) * g.dilations[1] + 1
        gridCount = (oh * phaseWidth + Self.lanes - 1) / Self.lanes * Self.lanes + Self.lanes
    }

    /// Floats of one phase plane set, with slack so vector reads past the last row stay in bounds.
    private var phasesCount: Int { geometry.strides[2] * paddedHeight * phaseWidth + phaseWidth + 2 * Self.lanes }
    private var scratchCount: Int { phasesCount + gridCount }

    /// Convolves `planes` planes (image * channels + channel) and finishes each with `epilogue` while
    /// it is in cache.
    func run(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
             planes: Int, channels: Int, epilogue: ConvEpilogue, _ context: KernelContext) {
        let lanes = Swift.max(1, Swift.min(context.threads, planes))
        let scratch = context.workspace.floats(scratchCount * lanes)
        let taps = geometry.kernel[1] * geometry.kernel[2]
        context.forEachChunk(planes, chunks: lanes) { lane, range in
            let phases = scratch + lane * scratchCount, grid = phases + phasesCount
            phases.update(repeating: 0, count: phasesCount)
            let offsets = tapOffsets()
            for plane in range {
                fillPhases(from: x + plane * geometry.inputCount, into: phases)
                convolve(phases, weights: w + (plane % channels) * taps, offsets: offsets, into: grid)
                // The grid's rows are phaseWidth apart; the output's are packed, finished on the way.
                epilogue.finish(plane: plane, y, from: grid, rows: geometry.output[1], sourceRowStride: phaseWidth)
            }
        }
    }

    /// Where tap (row b, column e) starts reading, relative to the output row's first source row.
    private func tapOffsets() -> [Int] {
        let g = geometry, stride = g.strides[2]
        var offsets: [Int] = []
        for b in 0..<g.kernel[1] {
            for e in 0..<g.kernel[2] {
                let column = e * g.dilations[2]
                offsets.append((column % stride) * paddedHeight * phaseWidth + b * g.dilations[1] * phaseWidth + column / stride)
            }
        }
        return offsets
    }

    /// Copies the input plane into the phase planes; positions in the padding stay 0 (the buffer is
    /// zeroed once per thread, and every plane writes the same positions).
    private func fillPhases(from input: UnsafePointer<Float>, into phases: UnsafeMutablePointer<Float>) {
        let g = geometry, (ih, iw) = (g.input[1], g.input[2])
        let stride = g.strides[2], top = g.padBegin[1], left = g.padBegin[2]
        for phase in 0..<stride {
            // Phase column j holds padded column j * stride + phase, i.e. input column j * stride + phase - left.
            let first = Swift.max(0, (left - phase + stride - 1) / stride)
            let end = Swift.min(phaseWidth, (iw - 1 + left - phase) / stride + 1)
            guard first < end else { continue }
            let from = first * stride + phase - left
            for py in Swift.max(0, top)..<Swift.min(paddedHeight, ih + top) {
                let line = input + (py - top) * iw + from
                let target = phases + (phase * paddedHeight + py) * phaseWidth + first
                if stride == 1 {
                    target.update(from: line, count: end - first)
                } else {
                    for j in 0..<end - first { target[j] = line[j * stride] }
                }
            }
        }
    }

    /// grid[h * phaseWidth + v] = sum over taps of weight * phase[row(h) + offset + v], 8 outputs at a time.
    private func convolve(_ phases: UnsafePointer<Float>, weights: UnsafePointer<Float>, offsets: [Int],
                          into grid: UnsafeMutablePointer<Float>) {
        let g = geometry, rowStep = g.strides[1] * phaseWidth
        offsets.withUnsafeBufferPointer { offsets in
            let taps = offsets.count
            if g.strides[1] == 1 {
                // Consecutive output rows read consecutive phase rows: one flat loop over the plane,
                // four vectors per pass over the taps.
                var i = 0
                while i + 4 * Self.lanes <= gridCount {
                    sum4(phases + i, weights, offsets, taps, into: grid + i)
                    i += 4 * Self.lanes
                }
                while i < gridCount {
                    store(sum(phases + i, weights, offsets, taps), grid + i)
                    i += Self.lanes
                }
                return
            }
            for h in 0..<g.output[1] {
                let source = phases + h * rowStep, target = grid + h * phaseWidth
                var v = 0
                while v < g.output[2] {
                    store(sum(source + v, weights, offsets, taps), target + v)
                    v += Self.lanes
                }
            }
        }
    }

    @inline(__always)
    private func sum(_ source: UnsafePointer<Float>, _ weights: UnsafePointer<Float>, _ offsets: UnsafeBufferPointer<Int>, _ taps: Int) -> Vector {
        var total = Vector(repeating: 0)
        for t in 0..<taps {
            let values = UnsafeRawPointer(source + offsets[t]).loadUnaligned(as: Vector.self)
            total.addProduct(Vector(repeating: weights[t]), values)
        }
        return total
    }

    @inline(__always)
    private func sum4(_ source: UnsafePointer<Float>, _ weights: UnsafePointer<Float>, _ offsets: UnsafeBufferPointer<Int>, _ taps: Int,
                      into target: UnsafeMutablePointer<Float>) {
        var (a, b, c, d) = (Vector(repeating: 0), Vector(repeating: 0), Vector(repeating: 0), Vector(repeating: 0))
        for t in 0..<taps {
            let p = UnsafeRawPointer(source + offsets[t]), weight = Vector(repeating: weights[t])
            let step = MemoryLayout<Vector>.stride
            a.addProduct(weight, p.loadUnaligned(as: Vector.self))
            b.addProduct(weight, p.loadUnaligned(fromByteOffset: step, as: Vector.self))
            c.addProduct(weight, p.loadUnaligned(fromByteOffset: 2 * step, as: Vector.self))
            d.addProduct(weight, p.loadUnaligned(fromByteOffset: 3 * step, as: Vector.self))
        }
        store(a, target)
        store(b, target + Self.lanes)
        store(c, target + 2 * Self.lanes)
        store(d, target + 3 * Self.lanes)
    }

    @inline(__always)
    private func store(_ vector: Vector, _ target: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(target).storeBytes(of: vector, as: Vector.self)
    }
}
