// `--throttle`: a function with reserved concurrency. A synchronous invocation that finds every
// runtime busy gets Lambda's 429 at once; an Event is still queued.
import Foundation
@testable import LambdaEmulator
import XCTest

final class ThrottlingTests: EmulatorTestCase {
    func testASynchronousCallFindingEveryRuntimeBusyIsThrottled() async throws {
        var configuration = EmulatorConfiguration(command: [TestPaths.executable("lambda-test-function")], functionName: "test-sleep",
                                                  handler: "sleep", shutdownGraceSeconds: 1)
        configuration.throttlesWhenBusy = true
        let emulator = try await LambdaEmulator.start(configuration)
        shutDownAfterTest(emulator)
        let ready = await emulator.waitUntilReady()
        XCTAssertTrue(ready)
        let port = emulator.port
        let busy = Task { try await postInvocation(port: port, body: Data(#"{"ms": 3000}"#.utf8)) }
        // Until the runtime has taken it, a second call would still find the runtime free. (It sleeps
        // 3 s: the calls below come long before it is free again.)
        let taken = await eventually(5) { await emulator.onLoop { emulator.runtimesFree == 0 } }
        XCTAssertTrue(taken)
        let throttled = try await postInvocation(port: port, body: Data(#"{"ms": 1}"#.utf8))
        XCTAssertEqual(throttled.status, 429, throttled.body)
        XCTAssertEqual(throttled.headers["x-amzn-errortype"], "TooManyRequestsException")
        XCTAssertEqual(jsonObject(throttled.body)["Reason"] as? String, "ReservedFunctionConcurrentInvocationLimitExceeded")
        let event = try await postInvocation(port: port, body: Data(#"{"ms": 1}"#.utf8), headers: ["X-Amz-Invocation-Type": "Event"])
        XCTAssertEqual(event.status, 202)
        let first = try await busy.value
        XCTAssertEqual(first.status, 200, first.body)
    }
}
