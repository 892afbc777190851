// The machine's sgemm speed, printed next to engine benchmarks so their figures have context.
import COpenBLAS
import COpenBLASLoader
import Dispatch

public enum SgemmThroughput {
    /// GFLOP/s of a size x size x size sgemm with `threads` OpenBLAS threads (best of `repeats`).
    public static func measure(size: Int = 1024, threads: Int, repeats: Int = 5) throws -> Double {
        try BLASLibrary.load()
        openblas_set_num_threads(Int32(threads))
        defer { vl_openblas_use_one_thread() }
        let a = [Float](repeating: 0.5, count: size * size), b = a
        var c = [Float](repeating: 0, count: size * size)
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(size), Int32(size), Int32(size), 1, a, Int32(size), b, Int32(size), 0, &c, Int32(size))
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * Double(size * size * size) / best / 1e9
    }
}
