// The runtime benchmark's machinery on a small run: it counts only answered invocations and refuses
// a runtime that fails, so its figures mean what the table says.
import Foundation
import XCTest
import LambdaEmulator

final class RuntimeBenchmarkTests: XCTestCase {
    func testMeasuresRateCPUAndColdStartOfTheRealBootstrap() async throws {
        var benchmark = RuntimeBenchmark()
        benchmark.invocations = 300
        benchmark.coldStarts = 3
        let measured = try await benchmark.measure(name: "ours", command: [TestPaths.executable("bootstrap")], handler: "echo")
        XCTAssertGreaterThan(try XCTUnwrap(measured.invocationsPerSecond), 0)
        XCTAssertGreaterThan(try XCTUnwrap(measured.cpuMicrosecondsPerInvocation), 0)
        XCTAssertGreaterThan(try XCTUnwrap(measured.coldStartMilliseconds), 0)
    }

    /// As the raw loop loading libcurl is measured: its loop is the raw loop's, its start is the figure.
    func testARuntimeMeasuredForItsStartOnlyHasNoThroughputFigures() async throws {
        var benchmark = RuntimeBenchmark()
        benchmark.coldStarts = 2
        let measured = try await benchmark.measure(name: "start only", command: [TestPaths.executable("bootstrap")], handler: "echo",
                                                   measureThroughput: false)
        XCTAssertNil(measured.invocationsPerSecond)
        XCTAssertNil(measured.cpuMicrosecondsPerInvocation)
        XCTAssertGreaterThan(try XCTUnwrap(measured.coldStartMilliseconds), 0)
    }

    func testAFailingHandlerIsAnErrorNotAFigure() async throws {
        var benchmark = RuntimeBenchmark()
        benchmark.invocations = 10
        do {
            _ = try await benchmark.measure(name: "failing", command: [TestPaths.executable("lambda-test-function")],
                                            handler: "throw", measureColdStart: false)
            XCTFail("a handler that throws was measured as if it answered")
        } catch let error as EmulatorError {
            XCTAssertTrue(error.message.contains("Function."), error.message)
        }
    }
}
