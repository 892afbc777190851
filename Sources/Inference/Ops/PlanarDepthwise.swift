// Depthwise convolution of 1-D and 2-D planes with every kernel tap summed in vector registers.
//
// Each input plane is first copied into zero-padded "phase" planes, one per (row, column) stride
// phase: phase (p, q) holds the padded rows p, p + strideH, ... and columns q, q + strideW, ... Every
// tap of consecutive output positions then reads consecutive floats of one phase plane, with no bounds
// checks and the same flat loop for any stride. The outputs are computed over a grid as wide as a
// phase row (the extra columns are discarded) and copied out with the epilogue applied.

struct PlanarDepthwise {
    let geometry: WindowGeometry.Resolved
    /// Columns of a phase plane: every output column plus the kernel's reach, in phase steps.
    let phaseWidth: Int
    /// Rows of a phase plane: every output row plus the kernel's reach, in phase steps.
    let phaseHeight: Int
    /// Output positions computed per plane: whole rows of `phaseWidth`, rounded up to the vector width.
    let gridCount: Int

    static let lanes = 8
    typealias Vector = SIMD8<Float>

    init(geometry g: WindowGeometry.Resolved) {
        geometry = g
        let (oh, ow) = (g.output[1], g.output[2])
        phaseWidth = ow + ((g.kernel[2] - 1) * g.dilations[2]) / g.strides[2] + 1
        phaseHeight = oh + ((g.kernel[1] - 1) * g.dilations[1]) / g.strides[1]
        gridCount = (oh * phaseWidth + Self.lanes - 1) / Self.lanes * Self.lanes
    }

    private var phasePlaneCount: Int { phaseHeight * phaseWidth }
    /// Floats of one phase plane set, with slack so the grid's last vectors may read past the last row.
    private var phasesCount: Int { geometry.strides[1] * geometry.strides[2] * phasePlaneCount + phaseWidth + 2 * Self.lanes }
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

    /// Where tap (row b, column e) reads, relative to the grid position it adds to.
    private func tapOffsets() -> [Int] {
        let g = geometry, (strideH, strideW) = (g.strides[1], g.strides[2])
        var offsets: [Int] = []
        for b in 0..<g.kernel[1] {
            for e in 0..<g.kernel[2] {
                let row = b * g.dilations[1], column = e * g.dilations[2]
                let phase = (row % strideH) * strideW + column % strideW
                offsets.append(phase * phasePlaneCount + (row / strideH) * phaseWidth + column / strideW)
            }
        }
        return offsets
    }

    /// Copies the input plane into the phase planes; positions in the padding stay 0 (the buffer is
    /// zeroed once per thread, and every plane writes the same positions).
    private func fillPhases(from input: UnsafePointer<Float>, into phases: UnsafeMutablePointer<Float>) {
        let g = geometry, (ih, iw) = (g.input[1], g.input[2])
        let (strideH, strideW) = (g.strides[1], g.strides[2])
        for rowPhase in 0..<strideH {
            for r in 0..<phaseHeight {
                let sourceRow = r * strideH + rowPhase - g.padBegin[1]
                guard sourceRow >= 0 && sourceRow < ih else { continue }
                let rowStart = phases + rowPhase * strideW * phasePlaneCount + r * phaseWidth
                splitColumns(input + sourceRow * iw, count: iw, into: rowStart)
            }
        }
    }

    /// Deals one input row's columns out to the column phases' rows (phase q's row at
    /// `rows + q * phasePlaneCount`): padded column c goes to phase c % strideW, column c / strideW.
    @inline(__always)
    private func splitColumns(_ line: UnsafePointer<Float>, count: Int, into rows: UnsafeMutablePointer<Float>) {
        let strideW = geometry.strides[2], left = geometry.padBegin[2]
        // Input columns whose padded column lands inside a phase row.
        let end = Swift.min(count, phaseWidth * strideW - left)
        var c = Swift.max(0, -left)
        if strideW == 1 {
            if c < end { (rows + c + left).update(from: line + c, count: end - c) }
            return
        }
        if strideW == 2 {
            // Column pairs (even padded column first) go to the two phases together; a column left
            // over at either end goes alone, with shifts (the general loop's division costs more).
            let odd = rows + phasePlaneCount
            if c < end && (c + left) & 1 != 0 {
                odd[(c + left) >> 1] = line[c]
                c += 1
            }
            let pairs = (end - c) / 2
            Deinterleave.pairs(line + c, count: pairs, even: rows + (c + left) >> 1, odd: odd + (c + left) >> 1)
            c += 2 * pairs
            if c < end { rows[(c + left) >> 1] = line[c] }
            return
        }
        while c < end {
            let padded = c + left
            rows[(padded % strideW) * phasePlaneCount + padded / strideW] = line[c]
            c += 1
        }
    }

    /// grid[h * phaseWidth + v] = sum over taps of weight * phases[h * phaseWidth + v + offset], four
    /// vectors at a time (independent sums keep the multiply-add units busy).
    private func convolve(_ phases: UnsafePointer<Float>, weights: UnsafePointer<Float>, offsets: [Int],
                          into grid: UnsafeMutablePointer<Float>) {
        offsets.withUnsafeBufferPointer { offsets in
            let taps = offsets.count
            var i = 0
            while i + 4 * Self.lanes <= gridCount {
                sum4(phases + i, weights, offsets, taps, into: grid + i)
                i += 4 * Self.lanes
            }
            while i < gridCount {
                store(sum(phases + i, weights, offsets, taps), grid + i)
                i += Self.lanes
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
