// Tenant isolation mode: the tenant reaches the runtime, and no runtime process serves two tenants.
import XCTest
import LambdaEmulator

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

    /// Two runtimes, two tenants at once: each gets a process of its own. Then tenant-a comes back
    /// to its own process while a third tenant gets a fresh one in place of tenant-b's idle one.
    func testConcurrentTenantsKeepTheirOwnRuntimes() async throws {
        let emulator = try await startIsolated(concurrency: 2)
        async let first = servingPID(emulator, tenant: "tenant-a", ms: 300)
        async let second = servingPID(emulator, tenant: "tenant-b", ms: 300)
        let (a, b) = try await (first, second)
        XCTAssertNotEqual(a, b)
        async let again = servingPID(emulator, tenant: "tenant-a", ms: 300)
        async let third = servingPID(emulator, tenant: "tenant-c")
        let (aAgain, c) = try await (again, third)
        XCTAssertEqual(aAgain, a, "tenant-a left its idle process")
        XCTAssertFalse([a, b].contains(c), "tenant-c was served by another tenant's process")
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
