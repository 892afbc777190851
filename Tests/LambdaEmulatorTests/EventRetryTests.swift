// A failed Event (asynchronous) invocation is tried again as Lambda tries it: up to two more times,
// the same event under the same request id; one that succeeds runs once.
import Foundation
@testable import LambdaEmulator
import XCTest

final class EventRetryTests: EmulatorTestCase {
    /// The emulator running `handler` with `retries` and a short retry delay, and its START lines.
    private func start(_ handler: String, retries: Int) async throws -> (LambdaEmulator, Lines) {
        let lines = Lines()
        var configuration = EmulatorConfiguration(command: [TestPaths.executable("lambda-test-function")], functionName: "test-\(handler)",
                                                  handler: handler, shutdownGraceSeconds: 1)
        configuration.platformLog = PlatformLog(format: .text) { line in if line.hasPrefix("START") { lines.append(line) } }
        configuration.eventRetries = retries
        configuration.eventRetryDelaySeconds = 0.1
        let emulator = try await LambdaEmulator.start(configuration)
        shutDownAfterTest(emulator)
        return (emulator, lines)
    }

    /// Posts an Event and returns its request id once it was accepted.
    private func postEvent(_ emulator: LambdaEmulator) async throws -> String {
        let reply = try await postInvocation(port: emulator.port, body: Data("{}".utf8), headers: ["X-Amz-Invocation-Type": "Event"])
        XCTAssertEqual(reply.status, 202)
        return try XCTUnwrap(reply.headers["x-amzn-requestid"])
    }

    private func runs(of requestID: String, in lines: Lines) -> Int {
        lines.all.filter { $0 == "START RequestId: \(requestID) Version: $LATEST" }.count
    }

    func testAFailedEventIsTriedTwiceMoreUnderItsRequestID() async throws {
        let (emulator, lines) = try await start("throw", retries: 2)
        let requestID = try await postEvent(emulator)
        let ranThrice = await eventually(10) { self.runs(of: requestID, in: lines) == 3 }
        XCTAssertTrue(ranThrice, "\(lines.all)")
        // Retries wait 0.1 s, then 0.2 s: nothing comes after the third run.
        try await Task.sleep(for: .milliseconds(600))
        XCTAssertEqual(runs(of: requestID, in: lines), 3, "\(lines.all)")
    }

    func testAnEventThatSucceedsOrMayNotBeRetriedRunsOnce() async throws {
        for (handler, retries) in [("log", 2), ("throw", 0)] {
            let (emulator, lines) = try await start(handler, retries: retries)
            let requestID = try await postEvent(emulator)
            let ran = await eventually(10) { self.runs(of: requestID, in: lines) == 1 }
            XCTAssertTrue(ran, "\(handler): \(lines.all)")
            try await Task.sleep(for: .milliseconds(500))
            XCTAssertEqual(runs(of: requestID, in: lines), 1, "\(handler) with \(retries) retries: \(lines.all)")
        }
    }
}
