// `video-lambda check-model DIR`: run a model on its test data sets and compare with the expected outputs.
import ArgumentParser
import Foundation
import Inference
import ONNX

struct CheckModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-model",
        abstract: "Run model.onnx(.zst) in DIR on every test_data_set_N and compare with its outputs.",
        discussion: "DIR uses the ONNX backend-test layout: model.onnx or model.onnx.zst, and test_data_set_N/ with input_K.pb and output_K.pb (TensorProto). Exits non-zero when any data set fails.")

    @Argument(help: "The model directory.")
    var directory: String

    @Option(help: "Absolute tolerance.")
    var atol: Double = 1e-4

    @Option(help: "Relative tolerance (added to the absolute one, times |expected|).")
    var rtol: Double = 1e-3

    @Option(help: "Kernel threads (default: the cores this process may use).")
    var threads: Int = KernelContext.availableCores

    func run() throws {
        let check = ModelCheck(directory: directory, absoluteTolerance: atol, relativeTolerance: rtol, options: SessionOptions(threads: threads))
        let results: [ModelCheck.DataSetResult]
        do { results = try check.run() } catch {
            FileHandleOutput.standardError("check-model: \(error)")
            throw ExitCode(2)
        }
        print("data set            output                         max abs err   max rel err   result")
        for result in results {
            for output in result.outputs {
                let c = output.comparison
                let verdict = c.passed ? "pass" : "FAIL" + (c.mismatch.map { " (\($0))" } ?? "")
                print(pad(result.name, 20) + pad(output.name, 31) + pad(String(format: "%.3e", c.maxAbsoluteError), 14)
                      + pad(String(format: "%.3e", c.maxRelativeError), 14) + verdict)
            }
        }
        let failed = results.filter { !$0.passed }.count
        print("\(results.count - failed) of \(results.count) data sets pass (atol \(atol), rtol \(rtol))")
        if failed > 0 { throw ExitCode(1) }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}

enum FileHandleOutput {
    static func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
