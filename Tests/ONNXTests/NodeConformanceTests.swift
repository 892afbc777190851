// ONNX backend conformance: every node test the manifest requires runs and matches its expected outputs.
import Foundation
import Inference
import ONNX
import TestServers
import XCTest

final class NodeConformanceTests: XCTestCase {
    /// The manifest: one test name per line; "name # excluded: reason" lines are listed but not run.
    static func requiredTests() throws -> (required: [String], excluded: [String]) {
        let text = try String(contentsOf: RepoPaths.root.appendingPathComponent("Tests/ONNXTests/node-tests.txt"), encoding: .utf8)
        var required: [String] = [], excluded: [String] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let name = line.split(separator: "#", maxSplits: 1)[0].trimmingCharacters(in: .whitespaces)
            if line.contains("# excluded:") { excluded.append(name) } else { required.append(name) }
        }
        return (required, excluded)
    }

    func testEveryRequiredNodeTestPasses() throws {
        let root = RepoPaths.cache("onnx-node-tests")
        guard FileManager.default.fileExists(atPath: root.path) else {
            throw XCTSkip("\(root.path) is missing: run `make test` (it fetches the onnx 1.17.0 node tests first)")
        }
        let (required, excluded) = try Self.requiredTests()
        XCTAssertGreaterThanOrEqual(required.count, 290, "the manifest must keep at least 290 required tests")
        var failures: [String] = []
        for name in required {
            let check = ModelCheck(directory: root.appendingPathComponent(name).path, absoluteTolerance: 1e-5, relativeTolerance: 1e-3,
                                   options: SessionOptions(threads: 2))
            do {
                for result in try check.run() where !result.passed {
                    let detail = result.outputs.filter { !$0.comparison.passed }.map { output in
                        "\(output.name): \(output.comparison.mismatch ?? "max abs error \(output.comparison.maxAbsoluteError)")"
                    }
                    failures.append("\(name): \(detail.joined(separator: ", "))")
                }
            } catch {
                failures.append("\(name): \(error)")
            }
        }
        print("ONNX node tests: \(required.count - failures.count) of \(required.count) required pass (\(excluded.count) excluded in the manifest)")
        XCTAssertTrue(failures.isEmpty, "\(failures.count) node tests fail:\n" + failures.joined(separator: "\n"))
    }
}
