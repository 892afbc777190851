// A test case that owns the emulators its tests start: each is shut down when the test ends, and no
// runtime process it ever started (replaced ones included) may outlive that.
import Foundation
import XCTest
import LambdaEmulator

class EmulatorTestCase: XCTestCase {
    private var emulators: [LambdaEmulator] = []

    /// Hands `emulator` to the test case, which shuts it down in tearDown.
    func shutDownAfterTest(_ emulator: LambdaEmulator) {
        emulators.append(emulator)
    }

    /// The test function with `handler` on `concurrency` runtimes once every one has asked for
    /// work: the emulator (shut down after the test) and its runtimes' pids.
    func readyRuntimes(_ handler: String, concurrency: Int) async throws -> (LambdaEmulator, [Int32]) {
        let emulator = try await startTestFunction(handler, concurrency: concurrency)
        shutDownAfterTest(emulator)
        let ready = await emulator.waitUntilReady()
        XCTAssertTrue(ready, "the runtimes never asked for work")
        let pids = await emulator.runtimePIDs()
        XCTAssertEqual(pids.count, concurrency)
        return (emulator, pids)
    }

    override func tearDown() async throws {
        for emulator in emulators {
            await emulator.shutdown()
            for pid in await emulator.startedPIDs() {
                let ended = await eventually(2) { !isAlive(pid) }
                XCTAssertTrue(ended, "runtime pid \(pid) is still running after the emulator shut down")
            }
        }
        emulators.removeAll()
        try await super.tearDown()
    }
}
