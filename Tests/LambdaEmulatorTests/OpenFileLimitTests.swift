// Limits on open files: each runtime gets Lambda's quota of 1024 descriptors whatever limit the
// emulator runs with, and an emulator whose process raised its own limit serves many runtimes.
import Foundation
import XCTest
@testable import LambdaEmulator
#if canImport(Glibc)
import Glibc
#endif

final class OpenFileLimitTests: EmulatorTestCase {
    private func ownLimit() -> rlimit {
        var limit = rlimit()
        getrlimit(OpenFileLimit.resource, &limit)
        return limit
    }

    /// What a runtime gets: the quota, or the hard limit where that is lower.
    private var expectedQuota: [String] {
        let value = String(min(OpenFileLimit.lambdaQuota, ownLimit().rlim_max))
        return [value, value]
    }

    /// Where the test process's own limit is the quota already, a runtime that only inherited it
    /// would pass too.
    private func skipWhereInheritingLooksTheSame() throws {
        let own = ownLimit()
        try XCTSkipIf(own.rlim_cur == own.rlim_max && own.rlim_max <= OpenFileLimit.lambdaQuota,
                      "the test process's own limit (\(own.rlim_cur)) is the quota: inheriting it would look the same")
    }

    /// The soft and hard "Max open files" of a process, from /proc/PID/limits.
    private func openFileLimits(_ pid: Int32) -> [String]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") }) else { return nil }
        return Array(line.dropFirst("Max open files".count).split(separator: " ").prefix(2).map(String.init))
    }

    func testEachRuntimeGetsLambdasQuotaOfOpenFiles() async throws {
        try skipWhereInheritingLooksTheSame()
        let (_, pids) = try await readyRuntimes("echo", concurrency: 2)
        for pid in pids { XCTAssertEqual(openFileLimits(pid), expectedQuota, "runtime \(pid)") }
    }

    func testARuntimeStartedInPlaceOfOneTimedOutGetsTheQuotaToo() async throws {
        try skipWhereInheritingLooksTheSame()
        let emulator = try await startTestFunction("sleep", timeout: 1)
        shutDownAfterTest(emulator)
        let first = await emulator.startedPIDs()
        let timedOut = try await emulator.invoke(Array(#"{"ms":3000}"#.utf8))
        XCTAssertNotNil(timedOut.errorType, timedOut.bodyText)
        let replaced = await eventually(10) {
            let pids = await emulator.startedPIDs()
            return pids.count > first.count && isAlive(pids.last!)
        }
        XCTAssertTrue(replaced, "no runtime was started in place of the one that timed out")
        let replacement = await emulator.startedPIDs().last!
        XCTAssertEqual(openFileLimits(replacement), expectedQuota)
    }

    /// A soft limit with room for an emulator's own descriptors (its event loops and invoke
    /// listener) beside those this process holds already, but not for 40 runtimes, which hold
    /// several each (their listeners, connections and output pipes). Relative to what is open: a
    /// fixed number could fall below it after other tests, and event loops that cannot be made
    /// stop the process rather than throw.
    private func lowerToRoomForAFewRuntimes() throws {
        var low = ownLimit()
        low.rlim_cur = rlim_t(try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count + 40)
        XCTAssertEqual(setrlimit(OpenFileLimit.resource, &low), 0)
    }

    func testAnEmulatorThatRaisedItsLimitServesManyRuntimes() async throws {
        let original = ownLimit()
        let runtimes = 40
        try XCTSkipIf(original.rlim_max < 1024, "a hard limit of \(original.rlim_max) does not cover \(runtimes) runtimes")
        try lowerToRoomForAFewRuntimes()
        XCTAssertTrue(LambdaEmulator.raiseOpenFileLimit())
        XCTAssertEqual(ownLimit().rlim_cur, original.rlim_max)
        let emulator = try await startTestFunction("echo", concurrency: runtimes)
        let ready = await emulator.waitUntilReady()
        XCTAssertTrue(ready, "the runtimes never asked for work")
        let answers = try await withThrowingTaskGroup(of: InvocationResult.self) { group in
            for _ in 0..<2 * runtimes { group.addTask { try await emulator.invoke(Array(#"{"n":1}"#.utf8)) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(answers.filter { $0.errorType == nil }.count, 2 * runtimes)
        await emulator.shutdown()
        var restore = original
        setrlimit(OpenFileLimit.resource, &restore)
    }

    /// Without the raise, the same emulator does not start: the limit is what stops it, and it says so.
    func testAnEmulatorAtALowLimitSaysItRanOutOfDescriptors() async throws {
        let original = ownLimit()
        defer {
            var restore = original
            setrlimit(OpenFileLimit.resource, &restore)
        }
        try lowerToRoomForAFewRuntimes()
        do {
            let emulator = try await startTestFunction("echo", concurrency: 40)
            await emulator.shutdown()
            XCTFail("40 runtimes started within 40 descriptors more than this process held")
        } catch let error as EmulatorError {
            XCTAssertTrue(error.message.contains("Too many open files"), error.message)
        }
    }
}
