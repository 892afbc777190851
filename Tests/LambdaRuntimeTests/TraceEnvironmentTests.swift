// _X_AMZN_TRACE_ID: each invocation's value while it runs, nothing between, and no growth per invocation.
import CMalloc
import XCTest
@testable import LambdaRuntime

final class TraceEnvironmentTests: XCTestCase {
    private var current: String? { getenv(TraceEnvironment.name).map { String(cString: $0) } }

    func testEachInvocationsValueIsSetThenRemoved() {
        TraceEnvironment.set("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
        XCTAssertEqual(current, "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
        TraceEnvironment.set(nil)
        XCTAssertNil(current)
        // A value longer than the buffer so far, then a short one again.
        let long = "Root=1-" + String(repeating: "ab", count: 400)
        TraceEnvironment.set(long)
        XCTAssertEqual(current, long)
        TraceEnvironment.set("Root=1-short")
        XCTAssertEqual(current, "Root=1-short")
        TraceEnvironment.set(nil)
        XCTAssertNil(current)
    }

    /// An SDK may keep what getenv gave it: that stays intact through the next invocation, even when
    /// the next value needs a larger buffer.
    func testAValueReadDuringOneInvocationStaysIntactThroughTheNext() throws {
        TraceEnvironment.set("Root=1-first-invocation")
        let first = try XCTUnwrap(getenv(TraceEnvironment.name))
        TraceEnvironment.set(nil)
        TraceEnvironment.set("Root=1-second")
        XCTAssertEqual(String(cString: first), "Root=1-first-invocation")
        let second = try XCTUnwrap(getenv(TraceEnvironment.name))
        TraceEnvironment.set(nil)
        let long = "Root=1-" + String(repeating: "x", count: 1000)
        TraceEnvironment.set(long)
        XCTAssertEqual(String(cString: second), "Root=1-second")
        XCTAssertEqual(current, long)
        TraceEnvironment.set(nil)
    }

    /// setenv kept every value it was given: 20 000 invocations grew the heap by ~2.4 MB.
    func testTheHeapDoesNotGrowWithEachNewTraceID() {
        TraceEnvironment.set("Root=1-warm-up")
        TraceEnvironment.set(nil)
        let before = mallinfo2().uordblks
        var wrong = 0
        for invocation in 0..<20_000 {
            let traceID = "Root=1-\(String(invocation, radix: 16))-abcdef0123456789abcdef01;Parent=53995c3f42cd8ad8;Sampled=1"
            TraceEnvironment.set(traceID)
            if current != traceID { wrong += 1 }
            TraceEnvironment.set(nil)
        }
        let grown = Int(mallinfo2().uordblks) - Int(before)
        XCTAssertEqual(wrong, 0)
        XCTAssertLessThan(grown, 64 * 1024, "the heap grew \(grown) bytes over 20 000 trace ids")
    }
}
