// Locating the built executables and the repo, and talking HTTP to the invoke endpoint.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
import LambdaEmulator

enum TestPaths {
    /// The directory the test binary and the package's executables are built into.
    static let products: URL = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // macOS-style bundles put the binary deeper; walk up to where the executables are.
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("bootstrap").path),
              directory.pathComponents.count > 2 {
            directory.deleteLastPathComponent()
        }
        return directory
    }()

    static func executable(_ name: String) -> String { products.appendingPathComponent(name).path }

    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// The emulator running the test function with `handler`; shut down by the caller.
func startTestFunction(_ handler: String, timeout: Double = 10, concurrency: Int = 1,
                       command: [String]? = nil) async throws -> LambdaEmulator {
    try await LambdaEmulator.start(EmulatorConfiguration(
        command: command ?? [TestPaths.executable("lambda-test-function")], concurrency: concurrency,
        timeoutSeconds: timeout, functionName: "test-\(handler)", handler: handler, shutdownGraceSeconds: 1))
}

struct HTTPReply {
    let status: Int
    let headers: [String: String]
    let body: String
}

/// POSTs to the emulator's RIE endpoint, as curl or SAM would.
func postInvocation(port: Int, body: Data, headers: [String: String] = [:]) async throws -> HTTPReply {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/2015-03-31/functions/function/invocations")!)
    request.httpMethod = "POST"
    request.httpBody = body
    request.timeoutInterval = 60
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    let (data, response) = try await URLSession.shared.data(for: request)
    let http = response as! HTTPURLResponse
    var lowered: [String: String] = [:]
    for (name, value) in http.allHeaderFields { lowered[String(describing: name).lowercased()] = String(describing: value) }
    return HTTPReply(status: http.statusCode, headers: lowered, body: String(decoding: data, as: UTF8.self))
}

func jsonObject(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
    guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        XCTFail("not a JSON object: \(text.prefix(300))", file: file, line: line)
        return [:]
    }
    return object
}

func isAlive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 }

/// Polls `condition` every 20 ms for up to `seconds`; the bound keeps a broken case from hanging.
func eventually(_ seconds: Double = 10, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}
