// Limits on open files: the emulator raises its own so that many runtimes fit, and each runtime gets
// Lambda's quota of 1024 descriptors, whatever limit the emulator runs with.
import Foundation
import XCTest
import LambdaEmulator
#if canImport(Glibc)
import Glibc
#endif

final class OpenFileLimitTests: EmulatorTestCase {
    private let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)

    private func ownLimit() -> rlimit {
        var limit = rlimit()
        getrlimit(resource, &limit)
        return limit
    }

    /// The soft and hard "Max open files" of a process, from /proc/PID/limits.
    private func openFileLimits(_ pid: Int32) -> [String]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") }) else { return nil }
        return Array(line.dropFirst("Max open files".count).split(separator: " ").prefix(2).map(String.init))
    }

    func testEachRuntimeGetsLambdasQuotaOfOpenFiles() async throws {
        let emulator = try await startTestFunction("echo", concurrency: 2)
        shutDownAfterTest(emulator)
        let ready = await emulator.waitUntilReady()
        XCTAssertTrue(ready, "the runtimes never asked for work")
        let quota = String(min(1024, ownLimit().rlim_max))
        let pids = await emulator.runtimePIDs()
        XCTAssertEqual(pids.count, 2)
        for pid in pids { XCTAssertEqual(openFileLimits(pid), [quota, quota], "runtime \(pid)") }
    }

    func testARuntimeStartedInPlaceOfOneTimedOutGetsTheQuotaToo() async throws {
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
        let quota = String(min(1024, ownLimit().rlim_max))
        XCTAssertEqual(openFileLimits(replacement), [quota, quota])
    }

    func testTheEmulatorRaisesItsOwnLimitToServeManyRuntimes() async throws {
        let original = ownLimit()
        try XCTSkipIf(original.rlim_max < 1024, "a hard limit of \(original.rlim_max) leaves no room to raise")
        defer {
            var restore = original
            setrlimit(resource, &restore)
        }
        // 40 runtimes hold more descriptors than 100 (their listeners, connections and output pipes).
        var low = original
        low.rlim_cur = 100
        XCTAssertEqual(setrlimit(resource, &low), 0)
        let emulator = try await startTestFunction("echo", concurrency: 40)
        shutDownAfterTest(emulator)
        let ready = await emulator.waitUntilReady()
        XCTAssertTrue(ready, "the runtimes never asked for work")
        XCTAssertEqual(ownLimit().rlim_cur, original.rlim_max)
        let answers = try await withThrowingTaskGroup(of: InvocationResult.self) { group in
            for _ in 0..<80 { group.addTask { try await emulator.invoke(Array(#"{"n":1}"#.utf8)) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(answers.filter { $0.errorType == nil }.count, 80)
    }
}
