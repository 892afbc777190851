// Tenant isolation mode: the tenant reaches the runtime, and no runtime process serves two tenants.
import XCTest
@testable import LambdaEmulator

final class TenantIsolationTests: EmulatorTestCase {
    /// The test function's "pid" handler in tenant isolation mode.
    private func startIsolated(concurrency: Int) async throws -> LambdaEmulator {
        var configuration = EmulatorConfiguration(
            command: [TestPaths.executable("lambda-test-function")], concurrency: concurrency,
            functionName: "tenants", handler: "pid", shutdownGraceSeconds: 1)
        configuration.tenantIsolation = true
        let emulator = try await LambdaEmulator.start(configuration)
        shutDownAfterTest(emulator)
        return emulator
    }

    /// Which process served `tenant`, checking that the process has served no other tenant.
    private func servingPID(_ emulator: LambdaEmulator, tenant: String, ms: Int = 0,
                            line: UInt = #line) async throws -> Int {
        let reply = try await postInvocation(port: emulator.port, body: Data(#"{"ms":\#(ms)}"#.utf8),
                                             headers: ["X-Amz-Tenant-Id": tenant])
        XCTAssertEqual(reply.status, 200, reply.body, line: line)
        let body = jsonObject(reply.body)
        XCTAssertEqual(body["tenantsServed"] as? [String], [tenant], "a runtime served another tenant: \(reply.body)", line: line)
        return try XCTUnwrap(body["pid"] as? Int, reply.body, line: line)
    }

    /// One runtime, three tenants in turn: a tenant comes back to its own process while it lives,
    /// and a tenant without one gets a fresh process in place of the idle one of another tenant.
    func testARuntimeServesOneTenantForItsLife() async throws {
        let emulator = try await startIsolated(concurrency: 1)
        let blue = try await servingPID(emulator, tenant: "blue")
        let blueAgain = try await servingPID(emulator, tenant: "blue")
        XCTAssertEqual(blueAgain, blue, "the same tenant got a new process while its own was idle")
        let green = try await servingPID(emulator, tenant: "green")
        XCTAssertNotEqual(green, blue)
        let stopped = await eventually(5) { !isAlive(Int32(blue)) }
        XCTAssertTrue(stopped, "blue's runtime (pid \(blue)) was not stopped when green took its place")
        let blueLater = try await servingPID(emulator, tenant: "blue")
        XCTAssertFalse([blue, green].contains(blueLater), "blue was served by pid \(blueLater), not a fresh process")
        let violations = await emulator.protocolViolations()
        XCTAssertEqual(violations, [])
    }

    /// Two runtimes. A tenant comes back to its own idle process rather than the one that has served
    /// nobody; two tenants at once each have their own; a third tenant gets a fresh process in place
    /// of the runtime idle longest (tenant-b's), not tenant-a's.
    func testConcurrentTenantsKeepTheirOwnRuntimes() async throws {
        let emulator = try await startIsolated(concurrency: 2)
        let a = try await servingPID(emulator, tenant: "tenant-a")
        let aAgain = try await servingPID(emulator, tenant: "tenant-a")
        XCTAssertEqual(aAgain, a, "tenant-a took the unused runtime while its own was idle")
        async let first = servingPID(emulator, tenant: "tenant-a", ms: 300)
        async let second = servingPID(emulator, tenant: "tenant-b", ms: 300)
        let (aBusy, b) = try await (first, second)
        XCTAssertEqual(aBusy, a)
        XCTAssertNotEqual(b, a)
        _ = try await servingPID(emulator, tenant: "tenant-a")
        let c = try await servingPID(emulator, tenant: "tenant-c")
        XCTAssertFalse([a, b].contains(c), "tenant-c was served by another tenant's process")
        let aLast = try await servingPID(emulator, tenant: "tenant-a")
        XCTAssertEqual(aLast, a, "tenant-c's runtime replaced tenant-a's, used after tenant-b's")
    }

    /// One runtime, busy for tenant-a, while tenant-x and then two more of tenant-a's invocations
    /// wait: tenant-x, which came first, is served first, although tenant-a's own runtime is free
    /// for the later two the moment it is done. Otherwise a tenant that keeps invoking would keep
    /// every other tenant waiting.
    func testAnInvocationWithoutARuntimeIsNotOvertakenForever() async throws {
        let emulator = try await startIsolated(concurrency: 1)
        _ = try await servingPID(emulator, tenant: "tenant-a")
        let order = CompletionOrder()
        func invoke(_ tenant: String, ms: Int = 0) -> Task<Void, Error> {
            Task {
                _ = try await self.servingPID(emulator, tenant: tenant, ms: ms)
                await order.append(tenant)
            }
        }
        // Each sent once the one before has arrived, so that they arrive in this order.
        let arrivedBefore = await emulator.onLoop { emulator.arrivals }
        func arrived(_ count: Int) async -> Bool {
            await eventually(20) { await emulator.onLoop { emulator.arrivals } >= arrivedBefore + count }
        }
        // Long enough that all four have arrived before it is done (checked below).
        let busy = invoke("tenant-a", ms: 3000)
        let busyArrived = await arrived(1)
        XCTAssertTrue(busyArrived)
        let other = invoke("tenant-x")
        let otherArrived = await arrived(2)
        XCTAssertTrue(otherArrived)
        let later = [invoke("tenant-a"), invoke("tenant-a")]
        let allArrived = await arrived(4)
        XCTAssertTrue(allArrived)
        let servedMeanwhile = await order.tenants
        XCTAssertEqual(servedMeanwhile, [], "the first invocation ended before the others queued: the test shows nothing")
        for task in [busy, other] + later { try await task.value }
        let served = await order.tenants
        XCTAssertEqual(served.first, "tenant-a", "\(served)")
        XCTAssertEqual(served.dropFirst().first, "tenant-x", "tenant-x waited for later invocations: \(served)")
    }

    /// The Invoke API's rules: a function in tenant isolation mode needs a valid tenant id on every
    /// invocation; any other function takes none. Each mistake is a 400 that names it, and the
    /// function serves on.
    func testInvocationsTheInvokeAPIRefuses() async throws {
        let isolated = try await startIsolated(concurrency: 1)
        let missing = try await postInvocation(port: isolated.port, body: Data("{}".utf8))
        XCTAssertEqual(missing.status, 400)
        XCTAssertEqual(missing.headers["x-amzn-errortype"], "InvalidParameterValueException")
        XCTAssertTrue(missing.body.contains("tenant isolation mode: every invocation must name its tenant"), missing.body)
        for bad in [String(repeating: "t", count: 257), "semi;colon"] {
            let refused = try await postInvocation(port: isolated.port, body: Data("{}".utf8), headers: ["X-Amz-Tenant-Id": bad])
            XCTAssertEqual(refused.status, 400, bad)
            XCTAssertTrue(refused.body.contains("is not 1 to 256 of letters"), refused.body)
        }
        _ = try await servingPID(isolated, tenant: "org:42/team=a+b@example.com")

        // Only a runtime the emulator starts can be ended for another tenant.
        var external = EmulatorConfiguration(command: [])
        external.tenantIsolation = true
        do {
            _ = try await LambdaEmulator.start(external)
            XCTFail("tenant isolation started without a runtime command")
        } catch let error as EmulatorError {
            XCTAssertTrue("\(error)".contains("tenant isolation needs a runtime command"), "\(error)")
        }

        let plain = try await startTestFunction("echo")
        shutDownAfterTest(plain)
        let named = try await postInvocation(port: plain.port, body: Data("{}".utf8), headers: ["X-Amz-Tenant-Id": "blue"])
        XCTAssertEqual(named.status, 400)
        XCTAssertTrue(named.body.contains("not in tenant isolation mode"), named.body)
        let served = try await postInvocation(port: plain.port, body: Data(#"{"n":1}"#.utf8))
        XCTAssertEqual(served.status, 200, served.body)
    }

    /// The tenant reaches the real bootstrap's handler context (echo answers it).
    func testTheTenantReachesTheBootstrapsContext() async throws {
        var configuration = EmulatorConfiguration(command: [TestPaths.executable("bootstrap")], functionName: "echo",
                                                  handler: "echo", shutdownGraceSeconds: 1)
        configuration.tenantIsolation = true
        let emulator = try await LambdaEmulator.start(configuration)
        shutDownAfterTest(emulator)
        let reply = try await postInvocation(port: emulator.port, body: Data("{}".utf8), headers: ["X-Amz-Tenant-Id": "blue"])
        XCTAssertEqual(jsonObject(reply.body)["tenantId"] as? String, "blue", reply.body)
    }
}

/// The order in which concurrent invocations came back.
private actor CompletionOrder {
    private(set) var tenants: [String] = []
    func append(_ tenant: String) { tenants.append(tenant) }
}
