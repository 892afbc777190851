import Foundation
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
}
