// Depthwise convolution of 1-D and 2-D planes eight channels at a time, in one interleaved tile.
//
// Eight channels' input planes are copied into one zero-padded tile that holds, at each position,
// the eight channels' values side by side (the layout NCHWc libraries keep whole networks in). One
// vector of the tile is then one position of eight channels, so each kernel tap of an output
// position is one vector load and one multiply-add with that tap's eight weights, for any stride,
// dilation and padding, and a small plane (7x7, 14x14) wastes no lanes on row ends the way a
// planar vector does. Outputs are computed a band of rows at a time into a small interleaved buffer
// and dealt back out to the eight output planes, finished by the epilogue on the way.

import CLaneTranspose

struct BlockedDepthwise {
    static let lanes = 8
    typealias Vector = SIMD8<Float>
    /// Output positions computed together: their sums stay in registers while each tap's weights
    /// are loaded once for all of them.
    static let positionBlock = 8
    /// About this many output positions per band (16 KB of sums), so the band stays in L1 until it
    /// is dealt out to the planes.
    static let bandPositions = 512

    let geometry: WindowGeometry.Resolved
    /// The padded input's extent: every input position plus the padding, and every position a tap reads.
    let tileHeight: Int
    let tileWidth: Int
    /// Output rows computed per band.
    let bandRows: Int

    init(geometry g: WindowGeometry.Resolved) {
        geometry = g
        let reachH = (g.output[1] - 1) * g.strides[1] + (g.kernel[1] - 1) * g.dilations[1] + 1
        let reachW = (g.output[2] - 1) * g.strides[2] + (g.kernel[2] - 1) * g.dilations[2] + 1
        tileHeight = Swift.max(reachH, g.padBegin[1] + g.input[1])
        tileWidth = Swift.max(reachW, g.padBegin[2] + g.input[2])
        bandRows = Swift.max(1, Swift.min(g.output[1], Self.bandPositions / Swift.max(1, g.output[2])))
    }

    /// Whether the padded tile stays within a few times the image and output it serves. Pads or
    /// strides far beyond the image (a model may set them to 2^24) would make it, allocated once per
    /// thread, as large as they are; the direct loop reads only inside the input instead.
    var tileFits: Bool {
        let planes = geometry.input[1] * geometry.input[2] + geometry.output[1] * geometry.output[2]
        return tileHeight * tileWidth <= 4 * planes + 4096
    }

    private var taps: Int { geometry.kernel[1] * geometry.kernel[2] }
    private var tileCount: Int { tileHeight * tileWidth * Self.lanes }
    private var bandCount: Int { bandRows * geometry.output[2] * Self.lanes }
    /// One thread's scratch: the tile and the band of sums.
    private var scratchCount: Int { tileCount + bandCount }

    /// Convolves every channel of `batch` images (NCHW) and finishes each output plane with `epilogue`.
    func run(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
             batch: Int, channels: Int, epilogue: ConvEpilogue, _ context: KernelContext) throws(InferenceError) {
        let blocks = (channels + Self.lanes - 1) / Self.lanes, items = batch * blocks
        let threads = Swift.max(1, Swift.min(context.threads, items))
        let weightCount = blocks * taps * Self.lanes
        let weights = try context.workspace.floats(weightCount + blocks * Self.lanes + scratchCount * threads)
        let biases = weights + weightCount, scratch = biases + blocks * Self.lanes
        arrange(w, bias: epilogue.bias, channels: channels, into: weights, biases: biases)
        let (oh, inputCount) = (geometry.output[1], geometry.inputCount)
        context.forEachChunk(items, chunks: threads) { thread, range in
            let tile = scratch + thread * scratchCount, band = tile + tileCount
            // The padding is written once: every block overwrites the same interior positions. Lanes
            // past a last partial block keep earlier values, which meet zero weights and are never
            // dealt out.
            tile.update(repeating: 0, count: tileCount)
            for item in range {
                let image = item / blocks, block = item % blocks, first = block * Self.lanes
                let count = Swift.min(Self.lanes, channels - first)
                let firstPlane = image * channels + first
                let blockWeights = weights + block * taps * Self.lanes
                let bias = UnsafeRawPointer(biases + first).loadUnaligned(as: Vector.self)
                fillTile(from: x + firstPlane * inputCount, channels: count, into: tile)
                for top in stride(from: 0, to: oh, by: bandRows) {
                    let rows = top..<Swift.min(oh, top + bandRows)
                    convolve(tile, blockWeights, bias: bias, rows: rows, into: band)
                    dealOut(band, rows: rows, firstPlane: firstPlane, channels: count, y, epilogue)
                }
            }
        }
    }

    /// Every block's weights by tap, weights[(block * taps + tap) * 8 + lane], and biases[channel];
    /// 0 for the lanes past the last channel.
    private func arrange(_ w: UnsafePointer<Float>, bias: UnsafePointer<Float>?, channels: Int,
                         into weights: UnsafeMutablePointer<Float>, biases: UnsafeMutablePointer<Float>) {
        let padded = (channels + Self.lanes - 1) / Self.lanes * Self.lanes
        weights.update(repeating: 0, count: padded * taps)
        biases.update(repeating: 0, count: padded)
        for channel in 0..<channels {
            let (block, lane) = channel.quotientAndRemainder(dividingBy: Self.lanes)
            for tap in 0..<taps { weights[(block * taps + tap) * Self.lanes + lane] = w[channel * taps + tap] }
            biases[channel] = bias?[channel] ?? 0
        }
    }

    /// Copies `channels` input planes into the tile's interior, lane c holding plane c (a full block
    /// a row at a time through 8x8 transposes).
    private func fillTile(from input: UnsafePointer<Float>, channels: Int, into tile: UnsafeMutablePointer<Float>) {
        let g = geometry, (ih, iw) = (g.input[1], g.input[2]), inputCount = g.inputCount
        for row in 0..<ih {
            let target = tile + ((row + g.padBegin[1]) * tileWidth + g.padBegin[2]) * Self.lanes, source = input + row * iw
            if channels == Self.lanes {
                vl_interleave8(source, inputCount, iw, target)
                continue
            }
            for lane in 0..<channels {
                for column in 0..<iw { target[column * Self.lanes + lane] = source[lane * inputCount + column] }
            }
        }
    }

    /// The sums of output rows `rows` (from the bias) into `band`, one vector per output position.
    private func convolve(_ tile: UnsafePointer<Float>, _ weights: UnsafePointer<Float>, bias: Vector, rows: Range<Int>,
                          into band: UnsafeMutablePointer<Float>) {
        let g = geometry, ow = g.output[2]
        // Kernels 3 or 5 wide over consecutive columns: blocks of eight positions load each input
        // vector once for all the taps that reach it.
        let sharesLoads = (g.strides[2] == 1 || g.strides[2] == 2) && g.dilations[2] == 1 && (g.kernel[2] == 3 || g.kernel[2] == 5)
        let (narrow, strided) = (g.kernel[2] == 3, g.strides[2] == 2)
        for row in rows {
            let target = band + (row - rows.lowerBound) * ow * Self.lanes
            // Whole blocks of positions; a row's last few positions go as one block ending at the
            // row's end (recomputing a few), or as one short block when the row is shorter.
            var column = 0
            while column < ow {
                let start = Swift.min(column, Swift.max(0, ow - Self.positionBlock))
                let into = target + start * Self.lanes
                switch ow - start {
                case 8... where sharesLoads && narrow && !strided:
                    sumSharingLoads(tile, weights, bias: bias, row: row, column: start, Count3.self, Count1.self, into: into)
                case 8... where sharesLoads && !strided:
                    sumSharingLoads(tile, weights, bias: bias, row: row, column: start, Count5.self, Count1.self, into: into)
                case 8... where sharesLoads && narrow:
                    sumSharingLoads(tile, weights, bias: bias, row: row, column: start, Count3.self, Count2.self, into: into)
                case 8... where sharesLoads:
                    sumSharingLoads(tile, weights, bias: bias, row: row, column: start, Count5.self, Count2.self, into: into)
                case 8...: sum(tile, weights, bias: bias, row: row, column: start, Count8.self, into: into)
                case 7: sum(tile, weights, bias: bias, row: row, column: start, Count7.self, into: into)
                case 6: sum(tile, weights, bias: bias, row: row, column: start, Count6.self, into: into)
                case 5: sum(tile, weights, bias: bias, row: row, column: start, Count5.self, into: into)
                case 4: sum(tile, weights, bias: bias, row: row, column: start, Count4.self, into: into)
                case 3: sum(tile, weights, bias: bias, row: row, column: start, Count3.self, into: into)
                case 2: sum(tile, weights, bias: bias, row: row, column: start, Count2.self, into: into)
                default: sum(tile, weights, bias: bias, row: row, column: start, Count1.self, into: into)
                }
                column = start + Self.positionBlock
            }
        }
    }

    /// `P.count` consecutive output positions of one row, from (row, column): all taps, sums in
    /// registers. Specialised per count, so the tests on it fold away.
    @inline(__always)
    private func sum<P: StaticCount>(_ tile: UnsafePointer<Float>, _ weights: UnsafePointer<Float>, bias: Vector, row: Int, column: Int,
                                       _: P.Type, into target: UnsafeMutablePointer<Float>) {
        let positions = P.count, g = geometry, (kh, kw) = (g.kernel[1], g.kernel[2])
        let step = g.strides[2] * Self.lanes, reach = g.dilations[2] * Self.lanes
        var sums = (bias, bias, bias, bias, bias, bias, bias, bias)
        for b in 0..<kh {
            let line = tile + ((row * g.strides[1] + b * g.dilations[1]) * tileWidth + column * g.strides[2]) * Self.lanes
            for e in 0..<kw {
                let weight = load(weights + (b * kw + e) * Self.lanes), p = line + e * reach
                sums.0.addProduct(weight, load(p))
                if positions > 1 { sums.1.addProduct(weight, load(p + step)) }
                if positions > 2 { sums.2.addProduct(weight, load(p + 2 * step)) }
                if positions > 3 { sums.3.addProduct(weight, load(p + 3 * step)) }
                if positions > 4 { sums.4.addProduct(weight, load(p + 4 * step)) }
                if positions > 5 { sums.5.addProduct(weight, load(p + 5 * step)) }
                if positions > 6 { sums.6.addProduct(weight, load(p + 6 * step)) }
                if positions > 7 { sums.7.addProduct(weight, load(p + 7 * step)) }
            }
        }
        store(sums.0, target)
        if positions > 1 { store(sums.1, target + Self.lanes) }
        if positions > 2 { store(sums.2, target + 2 * Self.lanes) }
        if positions > 3 { store(sums.3, target + 3 * Self.lanes) }
        if positions > 4 { store(sums.4, target + 4 * Self.lanes) }
        if positions > 5 { store(sums.5, target + 5 * Self.lanes) }
        if positions > 6 { store(sums.6, target + 6 * Self.lanes) }
        if positions > 7 { store(sums.7, target + 7 * Self.lanes) }
    }

    /// Eight consecutive output positions of one row, for a kernel `K.count` columns wide at column
    /// stride `S.count` (1 or 2) and no dilation: input column q reaches position (q - e) / S through
    /// tap e, so each of the row's 7 S + K input vectors is loaded once and added to every position
    /// it reaches, with the kernel row's K weights held in registers (8 sums, K weights and one
    /// input: 14 of 16 at most).
    @inline(__always)
    private func sumSharingLoads<K: StaticCount, S: StaticCount>(_ tile: UnsafePointer<Float>, _ weights: UnsafePointer<Float>,
                                                                     bias: Vector, row: Int, column: Int, _: K.Type, _: S.Type,
                                                                     into target: UnsafeMutablePointer<Float>) {
        let g = geometry, width = K.count, step = S.count, zero = Vector(repeating: 0)
        var sums = (bias, bias, bias, bias, bias, bias, bias, bias)
        for b in 0..<g.kernel[1] {
            let line: UnsafePointer<Float> = tile + ((row * g.strides[1] + b * g.dilations[1]) * tileWidth + column * step) * Self.lanes
            let w: UnsafePointer<Float> = weights + b * width * Self.lanes
            let w0 = load(w), w1 = load(w + Self.lanes), w2 = load(w + 2 * Self.lanes)
            let w3 = width > 3 ? load(w + 3 * Self.lanes) : zero, w4 = width > 4 ? load(w + 4 * Self.lanes) : zero
            @inline(__always) func addInputColumn(_ q: Int) {
                guard q < (Self.positionBlock - 1) * step + width else { return }
                let v = load(line + q * Self.lanes)
                @inline(__always) func tap(_ e: Int, _ weight: Vector) {
                    if (q - e) % step == 0 { Self.add(&sums, (q - e) / step, weight, v) }
                }
                tap(0, w0)
                tap(1, w1)
                tap(2, w2)
                if width > 3 { tap(3, w3) }
                if width > 4 { tap(4, w4) }
            }
            // Spelled out so that every position index is a constant and the sums stay in registers.
            addInputColumn(0); addInputColumn(1); addInputColumn(2); addInputColumn(3); addInputColumn(4); addInputColumn(5)
            addInputColumn(6); addInputColumn(7); addInputColumn(8); addInputColumn(9); addInputColumn(10); addInputColumn(11)
            addInputColumn(12); addInputColumn(13); addInputColumn(14); addInputColumn(15); addInputColumn(16); addInputColumn(17)
            addInputColumn(18)
        }
        store(sums.0, target)
        store(sums.1, target + Self.lanes)
        store(sums.2, target + 2 * Self.lanes)
        store(sums.3, target + 3 * Self.lanes)
        store(sums.4, target + 4 * Self.lanes)
        store(sums.5, target + 5 * Self.lanes)
        store(sums.6, target + 6 * Self.lanes)
        store(sums.7, target + 7 * Self.lanes)
    }

    /// sums[position] += weight * value, for a position known when inlined (out of 0..<8: nothing).
    @inline(__always)
    private static func add(_ sums: inout (Vector, Vector, Vector, Vector, Vector, Vector, Vector, Vector), _ position: Int,
                            _ weight: Vector, _ value: Vector) {
        switch position {
        case 0: sums.0.addProduct(weight, value)
        case 1: sums.1.addProduct(weight, value)
        case 2: sums.2.addProduct(weight, value)
        case 3: sums.3.addProduct(weight, value)
        case 4: sums.4.addProduct(weight, value)
        case 5: sums.5.addProduct(weight, value)
        case 6: sums.6.addProduct(weight, value)
        case 7: sums.7.addProduct(weight, value)
        default: break
        }
    }

    /// Writes the band's rows to the output planes (a full block through 8x8 transposes), then adds
    /// the residual and applies the activation to each plane's new rows.
    private func dealOut(_ band: UnsafePointer<Float>, rows: Range<Int>, firstPlane: Int, channels: Int,
                         _ y: UnsafeMutablePointer<Float>, _ epilogue: ConvEpilogue) {
        let outputCount = geometry.outputCount, ow = geometry.output[2]
        let offset = rows.lowerBound * ow, count = rows.count * ow
        let target = y + firstPlane * outputCount + offset
        let full = channels == Self.lanes
        if full { vl_deinterleave8(band, count, target, outputCount) }
        // The bias is already in the sums.
        let rest = epilogue.withoutBias
        for lane in 0..<channels {
            if !full {
                let plane = target + lane * outputCount
                for i in 0..<count { plane[i] = band[i * Self.lanes + lane] }
            }
            rest.finish(plane: firstPlane + lane, positions: offset..<offset + count, y)
        }
    }

    @inline(__always)
    private func load(_ p: UnsafePointer<Float>) -> Vector { UnsafeRawPointer(p).loadUnaligned(as: Vector.self) }

    @inline(__always)
    private func store(_ vector: Vector, _ target: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(target).storeBytes(of: vector, as: Vector.self)
    }
}
