// The work of one WinogradConv over a range of images, in chunks of whole rows of 2x2 output tiles.
//
// In a chunk, tiles are numbered row by row across its images; the transformed inputs V[ξ][c] and the
// products M[ξ][m] are rows of `count + 8` floats, the slack taking the vector lanes that run past
// the last tile. Lanes past the end of a tile row spill into the next row's slots, which are written
// after them.

import CWinograd

struct WinogradTiles: ImageBatchKernel {
    let x: UnsafePointer<Float>
    let u: UnsafePointer<Float>
    let y: UnsafeMutablePointer<Float>
    let geometry: WindowGeometry.Resolved
    let inChannels: Int
    let outChannels: Int
    let epilogue: ConvEpilogue
    let packedFilters: Bool

    private typealias Transforms = WinogradTransforms
    private static let positions = Transforms.positions, lanes = Transforms.lanes

    private var tilesDown: Int { (geometry.output[1] + 1) / 2 }
    private var tilesAcross: Int { (geometry.output[2] + 1) / 2 }
    /// Tiles across, rounded up to whole vectors.
    private var vectorTilesAcross: Int { (tilesAcross + Self.lanes - 1) / Self.lanes * Self.lanes }
    /// Width of a zero-padded input row: every column a vector of tiles reads.
    private var paddedWidth: Int { 2 * vectorTilesAcross + 2 + Self.lanes }

    /// Tile rows transformed at once: enough tiles for wide matrix products, few enough that the
    /// transformed inputs and products (16 x (C + M) floats per tile) stay near 8 MB.
    private func chunkRows(images: Int) -> Int {
        let tiles = Swift.max(64, (1 << 21) / (Self.positions * (inChannels + outChannels)))
        return Swift.min(images * tilesDown, Swift.max(1, tiles / tilesAcross))
    }

    func scratchCount(images: Int, threads: Int) -> Int {
        Self.positions * (inChannels + outChannels) * (chunkRows(images: images) * tilesAcross + Self.lanes)
    }

    func run(images: Range<Int>, scratch: UnsafeMutablePointer<Float>, _ context: KernelContext) {
        let rows = images.count * tilesDown, perChunk = chunkRows(images: images.count)
        var first = images.lowerBound * tilesDown
        let end = first + rows
        let single = KernelContext.singleThreaded
        while first < end {
            let chunk = first..<Swift.min(end, first + perChunk)
            let count = chunk.count * tilesAcross, stride = count + Self.lanes
            let v = scratch, m = scratch + Self.positions * inChannels * stride
            transformInputs(rows: chunk, into: v, stride: stride, context)
            // The 16 products are independent: threads take whole products rather than splitting
            // each one, which would pack every filter matrix twice and make small products smaller.
            context.parallelFor(Self.positions) { positions in
                for position in positions {
                    ConvGEMM.multiply(u + position * outChannels * inChannels, v + position * inChannels * stride,
                                      m + position * outChannels * stride, m: outChannels, n: count, k: inChannels,
                                      ldb: stride, ldc: stride, packed: packedFilters, single)
                }
            }
            transformOutputs(rows: chunk, from: m, stride: stride, context)
            first = chunk.upperBound
        }
    }

    /// The images a range of tile rows (numbered across the batch) touches, each with its tile rows
    /// and the chunk-local number of its first tile.
    private func segments(_ rows: Range<Int>) -> [(image: Int, tileRows: Range<Int>, firstTile: Int)] {
        var result: [(Int, Range<Int>, Int)] = []
        var row = rows.lowerBound
        while row < rows.upperBound {
            let image = row / tilesDown, top = row % tilesDown
            let bottom = Swift.min(tilesDown, top + rows.upperBound - row)
            result.append((image, top..<bottom, (row - rows.lowerBound) * tilesAcross))
            row += bottom - top
        }
        return result
    }

    /// V[ξ][c][t] = (Bᵀ d B)[ξ] for input channel c of every tile t of the chunk.
    private func transformInputs(rows: Range<Int>, into v: UnsafeMutablePointer<Float>, stride: Int, _ context: KernelContext) {
        let (ih, iw) = (geometry.input[1], geometry.input[2])
        let top = geometry.padBegin[1], left = geometry.padBegin[2]
        let width = paddedWidth, parts = segments(rows)
        let maxTileRows = parts.map(\.tileRows.count).max() ?? 0
        context.parallelFor(inChannels, minimumChunk: 4) { channels in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: (2 * maxTileRows + 2) * width) { buffer in
                let padded = buffer.baseAddress!
                for c in channels {
                    for part in parts {
                        // The input rows these tiles read, zero-padded: padded column j is input column j - left.
                        let plane = x + (part.image * inChannels + c) * ih * iw
                        let firstRow = 2 * part.tileRows.lowerBound
                        for r in 0..<2 * part.tileRows.count + 2 {
                            let target = padded + r * width, sy = firstRow + r - top
                            target.update(repeating: 0, count: width)
                            guard sy >= 0 && sy < ih else { continue }
                            let from = Swift.max(0, -left), to = Swift.min(iw, width - left)
                            if from < to { (target + left + from).update(from: plane + sy * iw + from, count: to - from) }
                        }
                        for k in 0..<part.tileRows.count {
                            vl_winograd_input_row(padded + 2 * k * width, width, tilesAcross,
                                                  v + c * stride + part.firstTile + k * tilesAcross, inChannels * stride)
                        }
                    }
                }
            }
        }
    }

    /// The output from the products M[ξ][m][t], two output rows per tile row, with bias, residual and
    /// activation applied (a ReLU as the rows are stored, another after them).
    private func transformOutputs(rows: Range<Int>, from products: UnsafePointer<Float>, stride: Int, _ context: KernelContext) {
        let (oh, ow) = (geometry.output[1], geometry.output[2])
        let parts = segments(rows)
        let relu = epilogue.activation == .relu
        context.parallelFor(outChannels, minimumChunk: 4) { channels in
            for m in channels {
                let bias = epilogue.bias?[m] ?? 0
                for part in parts {
                    let plane = (part.image * outChannels + m) * oh * ow
                    for (k, tileRow) in part.tileRows.enumerated() {
                        let first = plane + 2 * tileRow * ow, outputRows = Swift.min(2, oh - 2 * tileRow)
                        let residual = epilogue.residual.map { $0 + first }
                        // The second row's output and residual, when the tile row has one.
                        let (y1, r1) = outputRows == 2 ? (y + first + ow, residual.map { $0 + ow }) : (nil, nil)
                        vl_winograd_output_row(products + m * stride + part.firstTile + k * tilesAcross, outChannels * stride, tilesAcross, ow, bias,
                                               y + first, residual, y1, r1, relu ? 1 : 0)
                        if let activation = epilogue.activation, !relu { activation.apply(y + first, count: outputRows * ow) }
                    }
                }
            }
        }
    }
}
