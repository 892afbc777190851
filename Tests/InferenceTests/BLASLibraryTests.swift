import Foundation
import COpenBLAS
import XCTest
@testable import Inference

final class BLASLibraryTests: XCTestCase {
    /// On an AMD Zen 4 (family 25 with AVX-512, read here from /proc/cpuinfo rather than the way the
    /// loader reads it) OpenBLAS runs its AVX2 kernels, which are faster there than its AVX-512 ones.
    func testZen4RunsTheAVX2Kernels() throws {
        let cpu = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let zen4 = cpu.contains("AuthenticAMD") && cpu.contains("cpu family\t: 25") && cpu.contains(" avx512f")
        try XCTSkipUnless(zen4, "not an AMD Zen 4: OpenBLAS keeps its own choice of kernels")
        XCTAssertEqual(try BLASLibrary.kernelSet(), "Haswell")
        XCTAssertEqual(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], "Haswell")
    }

    /// Once loaded, OpenBLAS keeps no pool of its own threads (they would spin for a tenth of a second
    /// on a core the kernels need); measuring sgemm with two threads starts the pool, and ending the
    /// measurement stops it again. Products stay right with the pool stopped.
    func testNoIdleOpenBLASThreads() throws {
        try BLASLibrary.load()
        XCTAssertEqual(BLASLibrary.poolThreads, 0)
        let twoThreads = try SgemmThroughput.measure(size: 256, threads: 2, repeats: 1)
        XCTAssertGreaterThan(twoThreads, 0)
        XCTAssertEqual(BLASLibrary.poolThreads, 0)
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        var c = [Float](repeating: 0, count: 4)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1, a, 2, b, 2, 0, &c, 2)
        XCTAssertEqual(c, [19, 22, 43, 50])
    }
}
