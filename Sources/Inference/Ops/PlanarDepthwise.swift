// Depthwise convolution of 1-D and 2-D planes with every kernel tap summed in vector registers.
//
// Each input plane is first copied into zero-padded "phase" planes, one per (row, column) stride
// phase: phase (p, q) holds the padded rows p, p + strideH, ... and columns q, q + strideW, ... Every
// tap of consecutive output positions then reads consecutive floats of one phase plane, with no bounds
// checks and the same loops for any stride. The outputs are computed over a grid as wide as a phase
// row (the extra columns are discarded) and copied out with the epilogue applied.
//
// Planes of four rows or more are computed four output rows at a time: the kernel taps of one
// column read the same phase-plane column at consecutive rows, so each input vector loaded feeds up
// to four rows' sums, instead of being loaded again for each (the loop is bound by loads, not by
// multiply-adds).

struct PlanarDepthwise {
    let geometry: WindowGeometry.Resolved
    /// Columns of a phase plane: every output column plus the kernel's reach, in phase steps.
    let phaseWidth: Int
    /// Rows of a phase plane: every output row plus the kernel's reach, in phase steps.
    let phaseHeight: Int
    /// Output positions computed per plane one vector after another: whole rows of `phaseWidth`,
    /// rounded up to the vector width.
    let flatGridCount: Int
    /// Floats of the grid: also the rows a four-row block computes past the last output row, and
    /// the columns its last vector reaches past a row's end.
    let gridCount: Int

    /// Where each tap (kernel row-major) reads, relative to the grid position it adds to.
    let tapOffsets: [Int]
    /// The kernel's taps grouped by the phase-plane column they read (see `TapColumn`).
    let tapColumns: [TapColumn]
    /// Most taps in one column: the weights of each column are laid out this many apart.
    let tallestColumn: Int

    static let lanes = 8
    typealias Vector = SIMD8<Float>
    /// Output rows computed together.
    static let rowBlock = 4

    /// The taps that read one column of one phase plane, at consecutive rows of it from `offset`:
    /// kernel row `r` of the column reads `r` phase rows below the first.
    struct TapColumn {
        /// Where the column's first row reads, relative to the grid position it adds to.
        let offset: Int
        /// Phase rows the column spans (rows no tap reads, as with dilation, get weight 0).
        let rows: Int
        /// Each spanned row's tap (index into the kernel's weights), or nil.
        let taps: [Int?]
    }

    init(geometry g: WindowGeometry.Resolved) {
        geometry = g
        let (oh, ow) = (g.output[1], g.output[2])
        phaseWidth = ow + ((g.kernel[2] - 1) * g.dilations[2]) / g.strides[2] + 1
        phaseHeight = oh + ((g.kernel[1] - 1) * g.dilations[1]) / g.strides[1]
        let rowsComputed = oh >= Self.rowBlock ? (oh + Self.rowBlock - 1) / Self.rowBlock * Self.rowBlock : oh
        flatGridCount = (oh * phaseWidth + Self.lanes - 1) / Self.lanes * Self.lanes
        gridCount = (rowsComputed * phaseWidth + Self.lanes - 1) / Self.lanes * Self.lanes + Self.lanes
        let places = Self.tapPlaces(g, phasePlaneCount: phaseHeight * phaseWidth)
        tapOffsets = places.map { [phaseWidth] place in place.column + place.row * phaseWidth }
        tapColumns = Self.tapColumns(places, phaseWidth: phaseWidth)
        tallestColumn = tapColumns.map(\.rows).max() ?? 1
    }

    private var phasePlaneCount: Int { phaseHeight * phaseWidth }
    /// Floats of one phase plane set, with slack so that the grid's last vectors (and the rows a
    /// four-row block computes past the last output row) may read past the last phase row.
    private var phasesCount: Int {
        geometry.strides[1] * geometry.strides[2] * phasePlaneCount + Self.rowBlock * phaseWidth + 2 * Self.lanes
    }
    /// One thread's scratch: the phase planes, the grid, then one plane's weights by tap column.
    private var scratchCount: Int { phasesCount + gridCount + tapColumns.count * tallestColumn }

    /// Convolves `planes` planes (image * channels + channel) and finishes each with `epilogue` while
    /// it is in cache.
    func run(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
             planes: Int, channels: Int, epilogue: ConvEpilogue, _ context: KernelContext) {
        let lanes = Swift.max(1, Swift.min(context.threads, planes))
        let scratch = context.workspace.floats(scratchCount * lanes)
        let taps = geometry.kernel[1] * geometry.kernel[2]
        let blocked = geometry.output[1] >= Self.rowBlock
        context.forEachChunk(planes, chunks: lanes) { lane, range in
            let phases = scratch + lane * scratchCount, grid = phases + phasesCount, columnWeights = grid + gridCount
            phases.update(repeating: 0, count: phasesCount)
            for plane in range {
                let weights = w + (plane % channels) * taps
                fillPhases(from: x + plane * geometry.inputCount, into: phases)
                if blocked {
                    arrangeColumnWeights(weights, into: columnWeights)
                    convolveRowBlocks(phases, columnWeights: columnWeights, into: grid)
                } else {
                    convolve(phases, weights: weights, into: grid)
                }
                // The grid's rows are phaseWidth apart; the output's are packed, finished on the way.
                epilogue.finish(plane: plane, y, from: grid, rows: geometry.output[1], sourceRowStride: phaseWidth)
            }
        }
    }

    /// Where each tap (kernel row-major) reads: the phase-plane column (`column`, from the start of
    /// the phase planes) and how many phase rows down (`row`).
    private static func tapPlaces(_ g: WindowGeometry.Resolved, phasePlaneCount: Int) -> [(column: Int, row: Int)] {
        let (strideH, strideW) = (g.strides[1], g.strides[2])
        var places: [(column: Int, row: Int)] = []
        for b in 0..<g.kernel[1] {
            for e in 0..<g.kernel[2] {
                let row = b * g.dilations[1], column = e * g.dilations[2]
                let phase = (row % strideH) * strideW + column % strideW
                places.append((phase * phasePlaneCount + column / strideW, row / strideH))
            }
        }
        return places
    }

    /// The taps grouped by the phase-plane column they read, in kernel order of their first tap.
    private static func tapColumns(_ places: [(column: Int, row: Int)], phaseWidth: Int) -> [TapColumn] {
        var order: [Int] = []
        var rowsByColumn: [Int: [Int: Int]] = [:]
        for (tap, place) in places.enumerated() {
            if rowsByColumn[place.column] == nil { order.append(place.column) }
            rowsByColumn[place.column, default: [:]][place.row] = tap
        }
        return order.map { column in
            let rows = rowsByColumn[column]!
            let first = rows.keys.min()!, last = rows.keys.max()!
            return TapColumn(offset: column + first * phaseWidth, rows: last - first + 1,
                             taps: (first...last).map { rows[$0] })
        }
    }

    /// One plane's weights by tap column, `tallestColumn` apart, 0 where a column skips a row.
    private func arrangeColumnWeights(_ weights: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>) {
        for (index, column) in tapColumns.enumerated() {
            let slots = target + index * tallestColumn
            for (row, tap) in column.taps.enumerated() { slots[row] = tap.map { weights[$0] } ?? 0 }
        }
    }

    /// Copies the input plane into the phase planes; positions in the padding stay 0 (the buffer is
    /// zeroed once per thread, and every plane writes the same positions).
    private func fillPhases(from input: UnsafePointer<Float>, into phases: UnsafeMutablePointer<Float>) {
        let g = geometry, (ih, iw) = (g.input[1], g.input[2])
        let (strideH, strideW) = (g.strides[1], g.strides[2]), top = g.padBegin[1]
        // Input rows in order, each to its row phase: the input streams from memory front to back,
        // which the hardware prefetcher follows (every other row first, then the rest, it did not).
        for sourceRow in 0..<ih {
            let padded = sourceRow + top
            let (r, rowPhase) = strideH == 1 ? (padded, 0) : (padded / strideH, padded % strideH)
            guard r < phaseHeight else { break }
            let rowStart = phases + rowPhase * strideW * phasePlaneCount + r * phaseWidth
            splitColumns(input + sourceRow * iw, count: iw, into: rowStart)
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
    private func convolve(_ phases: UnsafePointer<Float>, weights: UnsafePointer<Float>, into grid: UnsafeMutablePointer<Float>) {
        tapOffsets.withUnsafeBufferPointer { offsets in
            let taps = offsets.count
            var i = 0
            while i + 4 * Self.lanes <= flatGridCount {
                sum4(phases + i, weights, offsets, taps, into: grid + i)
                i += 4 * Self.lanes
            }
            while i < flatGridCount {
                store(sum(phases + i, weights, offsets, taps), grid + i)
                i += Self.lanes
            }
        }
    }

    /// The grid four output rows at a time: for each block of rows and each vector of columns, every
    /// tap column's input rows are loaded once and added to each of the four rows they reach.
    private func convolveRowBlocks(_ phases: UnsafePointer<Float>, columnWeights: UnsafePointer<Float>,
                                   into grid: UnsafeMutablePointer<Float>) {
        let width = phaseWidth, oh = geometry.output[1], ow = geometry.output[2], tallest = tallestColumn
        tapColumns.withUnsafeBufferPointer { columns in
            var row = 0
            while row < oh {
                var v = 0
                while v < ow {
                    let position = row * width + v
                    var sums = (Vector(repeating: 0), Vector(repeating: 0), Vector(repeating: 0), Vector(repeating: 0))
                    for (index, column) in columns.enumerated() {
                        let source = phases + position + column.offset, weights = columnWeights + index * tallest
                        switch column.rows {
                        case 1: Self.addColumn(source, weights, rows: 1, width: width, &sums)
                        case 2: Self.addColumn(source, weights, rows: 2, width: width, &sums)
                        case 3: Self.addColumn(source, weights, rows: 3, width: width, &sums)
                        case 4: Self.addColumn(source, weights, rows: 4, width: width, &sums)
                        case 5: Self.addColumn(source, weights, rows: 5, width: width, &sums)
                        default: Self.addColumn(source, weights, rows: column.rows, width: width, &sums)
                        }
                    }
                    store(sums.0, grid + position)
                    store(sums.1, grid + position + width)
                    store(sums.2, grid + position + 2 * width)
                    store(sums.3, grid + position + 3 * width)
                    v += Self.lanes
                }
                row += Self.rowBlock
            }
        }
    }

    /// Adds one tap column to four output rows: input row m of the column reaches output row j
    /// through kernel row m - j. Inlined with a constant `rows`, the loop unrolls and the tests fold.
    @inline(__always)
    private static func addColumn(_ source: UnsafePointer<Float>, _ weights: UnsafePointer<Float>, rows: Int, width: Int,
                                  _ sums: inout (Vector, Vector, Vector, Vector)) {
        for m in 0..<(rows + 3) {
            let x = UnsafeRawPointer(source + m * width).loadUnaligned(as: Vector.self)
            if m < rows { sums.0.addProduct(Vector(repeating: weights[m]), x) }
            if m >= 1 && m - 1 < rows { sums.1.addProduct(Vector(repeating: weights[m - 1]), x) }
            if m >= 2 && m - 2 < rows { sums.2.addProduct(Vector(repeating: weights[m - 2]), x) }
            if m >= 3 && m - 3 < rows { sums.3.addProduct(Vector(repeating: weights[m - 3]), x) }
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
