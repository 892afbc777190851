// `video-lambda serve` as a user runs it: invoke over HTTP, then SIGTERM stops it and its runtimes.
import Foundation
import XCTest

final class ServeCommandTests: XCTestCase {
    func testServeAnswersAndShutsDownOnSIGTERM() async throws {
        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: TestPaths.executable("video-lambda"))
        serve.arguments = ["serve", "--port", "0", "--concurrency", "2", "--handler", "pid", "--",
                           TestPaths.executable("lambda-test-function")]
        let stderr = Pipe()
        serve.standardError = stderr
        try serve.run()
        defer { if serve.isRunning { kill(serve.processIdentifier, SIGKILL) } }

        // The first line names the endpoint (read until it arrives, bounded by the read itself).
        var banner = ""
        while !banner.contains("invoke at"), case let chunk = stderr.fileHandleForReading.availableData, !chunk.isEmpty {
            banner += String(decoding: chunk, as: UTF8.self)
        }
        let port = try XCTUnwrap(banner.firstMatch(of: #/127\.0\.0\.1:(\d+)/#).flatMap { Int($0.1) }, banner)
        let reply = try await postInvocation(port: port, body: Data(#"{"ms":1}"#.utf8))
        XCTAssertEqual(reply.status, 200)
        let runtimePID = try XCTUnwrap(jsonObject(reply.body)["pid"] as? Int)
        XCTAssertTrue(isAlive(Int32(runtimePID)))

        kill(serve.processIdentifier, SIGTERM)
        let stopped = await eventually(10) { !serve.isRunning }
        XCTAssertTrue(stopped, "serve did not exit after SIGTERM")
        XCTAssertEqual(serve.terminationStatus, 0)
        XCTAssertFalse(isAlive(Int32(runtimePID)), "runtime \(runtimePID) outlived the emulator")
    }
}
