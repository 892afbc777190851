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
