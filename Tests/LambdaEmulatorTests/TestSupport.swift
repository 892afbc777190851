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

/// POSTs to the emulator's RIE endpoint, as curl or SAM would (`function`: the name in the path;
/// `query`: the query string, as "Qualifier=prod").
func postInvocation(port: Int, body: Data, headers: [String: String] = [:], function: String = "function",
                    query: String? = nil) async throws -> HTTPReply {
    let target = "http://127.0.0.1:\(port)/2015-03-31/functions/\(function)/invocations" + (query.map { "?\($0)" } ?? "")
    var request = URLRequest(url: URL(string: target)!)
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

/// A TCP socket connected to 127.0.0.1:`port` (the caller closes it); nil when the connection fails.
func connectedSocket(port: Int) -> Int32? {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
    if connected { return descriptor }
    close(descriptor)
    return nil
}

/// Sends `request` as it is to 127.0.0.1:`port` and returns what comes back until the server closes
/// the connection or `seconds` pass (a raw exchange: for requests URLSession would not send).
func rawExchange(port: Int, _ request: [UInt8], seconds: Int = 10) -> String {
    guard let descriptor = connectedSocket(port: port) else { return "" }
    defer { close(descriptor) }
    var timeout = timeval(tv_sec: seconds, tv_usec: 0)
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var offset = 0
    while offset < request.count {
        let sent = request.withUnsafeBytes { send(descriptor, $0.baseAddress! + offset, request.count - offset, Int32(MSG_NOSIGNAL)) }
        if sent <= 0 { break }
        offset += sent
    }
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count <= 0 { break }
        received += chunk[..<count]
    }
    return String(decoding: received, as: UTF8.self)
}

/// The lines an emulator's platform log wrote, in order.
final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
