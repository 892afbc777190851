// Where the emulator listens: the invoke endpoint may take another address (serve --host 0.0.0.0
// in a container); the Runtime API stays where only the runtimes it starts reach it.
import NIOCore
import XCTest
@testable import LambdaEmulator

final class ListenerAddressTests: XCTestCase {
    /// IPv6 loopback stands in for 0.0.0.0 here (tests listen on loopback only).
    func testTheInvokeEndpointTakesItsOwnAddressAndTheRuntimeAPIKeepsLoopback() async throws {
        var configuration = EmulatorConfiguration(command: [], functionName: "listeners")
        configuration.invokeHost = "::1"
        let emulator: LambdaEmulator
        do { emulator = try await LambdaEmulator.start(configuration) }
        catch { throw XCTSkip("no IPv6 loopback here: \(error)") }
        let invoke = await emulator.onLoop { emulator.invokeListener?.localAddress }
        await emulator.shutdown()
        XCTAssertEqual(invoke?.ipAddress, "::1")
        XCTAssertTrue(emulator.runtimeAPIAddresses.allSatisfy { $0.hasPrefix("127.0.0.1:") }, "\(emulator.runtimeAPIAddresses)")
    }
}
