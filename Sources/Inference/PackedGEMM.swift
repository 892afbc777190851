// Convolution products on AVX-512 (CPackedGEMM): weights packed once at load, the bias, residual and
// ReLU applied as each tile is stored. Used where the CPU has AVX-512 (Intel); OpenBLAS elsewhere.
import CLaneTranspose
import CPackedGEMM
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

public enum PackedGEMM {
    /// Rows of a packed panel: a matrix packs into the same number of floats when its rows are a
    /// multiple of this, so its tensor keeps its shape.
    static let panelRows = Int(VL_PACKED_ROWS)

    /// Whether this CPU runs the kernels.
    public static let isAvailable = vl_packed_gemm_available() != 0

    /// Whether sessions use them by default: where available, unless VIDEO_LAMBDA_PACKED_GEMM=0
    /// (to compare with OpenBLAS's products on the same machine).
    public static let isEnabled: Bool = {
        guard isAvailable else { return false }
        guard let value = getenv("VIDEO_LAMBDA_PACKED_GEMM") else { return true }
        return String(cString: value) != "0"
    }()

    /// `count` consecutive rows x columns matrices (rows a multiple of `panelRows`), packed: a
    /// tensor of the same shape in the order the kernels read.
    static func pack(_ matrices: Tensor, count: Int, rows: Int, columns: Int) -> Tensor {
        precondition(rows % panelRows == 0 && matrices.count == count * rows * columns)
        var packed = Tensor(.float32, shape: matrices.shape)
        // Panels pack independently: the load's cores take them in parallel, 8 panels at a time.
        let panelsPerMatrix = rows / panelRows, chunk = 8, chunksPerMatrix = (panelsPerMatrix + chunk - 1) / chunk
        matrices.withUnsafeBufferPointer(as: Float.self) { source in
            packed.withUnsafeMutableBufferPointer(as: Float.self) { target in
                let (source, target) = (source.baseAddress!, target.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: count * chunksPerMatrix) { job in
                    let matrix = job / chunksPerMatrix, firstPanel = job % chunksPerMatrix * chunk
                    let panels = Swift.min(chunk, panelsPerMatrix - firstPanel)
                    let offset = matrix * rows * columns + firstPanel * panelRows * columns
                    for panel in 0..<panels {
                        let start = offset + panel * panelRows * columns
                        vl_interleave8(source + start, columns, columns, target + start)
                    }
                }
            }
        }
        return packed
    }

    /// What a product adds after A x B: a bias per row, a residual laid out as C, a ReLU.
    struct Extras {
        var bias: UnsafePointer<Float>? = nil
        var residual: UnsafePointer<Float>? = nil
        var relu = false
        static let none = Extras()
    }

    /// C[m, n] = A x B (+ extras) for A packed (m x k), B row-major with rows `ldb` apart and C with
    /// rows `ldc` apart; split across the context's threads by columns, or by rows for narrow products.
    static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                         m: Int, n: Int, k: Int, ldb: Int? = nil, ldc: Int? = nil, extras: Extras = .none, _ context: KernelContext) {
        let ldb = ldb ?? n, ldc = ldc ?? n
        if ConvGEMM.splitsByRows(m: m, n: n, context) {
            context.parallelFor(m, minimumChunk: 32) { rows in
                run(a, b, rowStride: ldb, columnStride: 1, c, rowStride: ldc, columnStride: 1, m: m, n: n, k: k, extras, rows: rows)
            }
            return
        }
        context.parallelFor(n, minimumChunk: 256) { columns in
            var shifted = extras
            shifted.residual = extras.residual.map { $0 + columns.lowerBound }
            run(a, b + columns.lowerBound, rowStride: ldb, columnStride: 1, c + columns.lowerBound, rowStride: ldc, columnStride: 1,
                m: m, n: columns.count, k: k, shifted, rows: 0..<m)
        }
    }

    /// Rows `rows` of one product with any strides (B[i][j] at b[i * rowStride + j * columnStride]).
    static func run(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, rowStride bRow: Int, columnStride bColumn: Int,
                    _ c: UnsafeMutablePointer<Float>, rowStride cRow: Int, columnStride cColumn: Int,
                    m: Int, n: Int, k: Int, _ extras: Extras, rows: Range<Int>) {
        var product = vl_gemm(m: m, n: n, k: k, a: a, b: b, b_row: bRow, b_column: bColumn, c: c, c_row: cRow, c_column: cColumn,
                              bias: extras.bias, residual: extras.residual, relu: extras.relu ? 1 : 0)
        vl_packed_gemm(&product, rows.lowerBound, rows.upperBound)
    }
}
