// OpenBLAS is loaded when the first model is: the binaries are not linked against it, a model still
// runs, and a broken OpenBLAS installation is a clear error rather than a crash.
import Foundation
import TestServers
import XCTest

final class OpenBLASLoadingTests: XCTestCase {
    /// A node test whose Conv goes through sgemm.
    private var convTest: String { RepoPaths.cache("onnx-node-tests/test_conv_with_strides_padding").path }

    func testBinariesAreNotLinkedAgainstOpenBLASYetRunModels() throws {
        for binary in ["bootstrap", "video-lambda"] {
            let ldd = try CommandRun.run("/usr/bin/ldd", [BuiltProducts.executable(binary)])
            XCTAssertEqual(ldd.status, 0)
            XCTAssertFalse(ldd.output.contains("libopenblas"), "\(binary) links OpenBLAS at start:\n\(ldd.output)")
        }
        let check = try CommandRun.run(BuiltProducts.executable("video-lambda"), ["check-model", convTest])
        XCTAssertEqual(check.status, 0, check.output)
    }

    func testABrokenOpenBLASIsAClearError() throws {
        // A library that is not ELF, found first on the search path: dlopen fails as for a broken install.
        let fake = FileManager.default.temporaryDirectory.appendingPathComponent("broken-openblas-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: fake, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: fake) }
        try Data("not a library".utf8).write(to: fake.appendingPathComponent("libopenblas.so.0"))
        let result = try CommandRun.run(BuiltProducts.executable("video-lambda"), ["check-model", convTest],
                                        environment: ["LD_LIBRARY_PATH": fake.path])
        XCTAssertTrue(result.exited, "crashed instead of failing: \(result.output)")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("cannot load OpenBLAS (libopenblas.so.0)"), result.output)
    }
}
