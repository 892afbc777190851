// OpenBLAS is loaded on first use (COpenBLASLoader), not at process start: sessions ask for it here,
// so that a missing library is a clear error instead of an abort inside a kernel.
import COpenBLAS
import COpenBLASLoader
import Dispatch

public enum BLASLibrary {
    /// nil once loaded, else why not. Loading also turns OpenBLAS's own threads off, its idle pool
    /// included: the kernels split work across threads themselves, and two levels of threads would fight.
    private static let failure: String? = {
        if let failure = vl_openblas_load() { return String(cString: failure) }
        vl_openblas_use_one_thread()
        return nil
    }()

    /// OpenBLAS's own pool threads alive (0 once loaded, but while SgemmThroughput runs).
    static var poolThreads: Int { Int(vl_openblas_pool_threads()) }

    /// Loads OpenBLAS (once per process); throws if its library is missing or broken.
    public static func load() throws(InferenceError) {
        if let failure { throw InferenceError(.unsupported, "\(failure); install OpenBLAS (Debian: libopenblas0)") }
    }

    /// The kernel set OpenBLAS runs on this CPU ("Haswell", "Cooperlake", ...; see KernelChoice.c).
    public static func kernelSet() throws(InferenceError) -> String {
        try load()
        return String(cString: openblas_get_corename())
    }

    /// Starts loading OpenBLAS on a background thread, so that it overlaps other start-up work (reading
    /// and decompressing a model) instead of adding to it.
    public static func startLoading() {
        DispatchQueue.global(qos: .userInitiated).async { _ = try? load() }
    }
}
