// A moto_server (local S3) for tests: started on a free loopback port, prepared, stopped by its PID.
import Foundation

/// One moto_server process from the project's .venv. Tests start it, prepare buckets and an IAM user
/// with `prepare`, point AWS_ENDPOINT_URL_S3 at `endpoint`, and `stop()` it when done.
public final class MotoServer {
    public let port: Int
    public var endpoint: String { "http://127.0.0.1:\(port)" }
    public let pid: Int32
    private let process: Process

    /// Keys of an IAM user moto knows, so signature checks can pass (or fail with a wrong secret).
    public struct Credentials: Decodable {
        public let accessKeyId: String
        public let secretAccessKey: String
    }

    public enum StartError: Error, CustomStringConvertible {
        case missingTool(String)
        case notReady(String)
        case fixtureFailed(String)
        public var description: String {
            switch self {
            case .missingTool(let path): return "\(path) is missing: run `make deps` first"
            case .notReady(let log): return "moto_server did not start listening: \(log)"
            case .fixtureFailed(let output): return "s3_fixture.py failed: \(output)"
            }
        }
    }

    public static func start() throws -> MotoServer {
        let executable = RepoPaths.root.appendingPathComponent(".venv/bin/moto_server").path
        guard FileManager.default.isExecutableFile(atPath: executable) else { throw StartError.missingTool(executable) }
        let port = try FreePort.find()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-H", "127.0.0.1", "-p", String(port)]
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("moto-\(port).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let server = MotoServer(port: port, process: process)
        let deadline = Date().addingTimeInterval(30)
        while !FreePort.isListening(port) {
            if !process.isRunning || Date() > deadline {
                server.stop()
                throw StartError.notReady((try? String(contentsOf: log, encoding: .utf8)) ?? "no log")
            }
            usleep(100_000)
        }
        return server
    }

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
        self.pid = process.processIdentifier
    }

    /// Creates the IAM user, the buckets and the objects (`"bucket/key": localPath`); with
    /// `enforceAuth` every later request must carry a valid signature by the returned keys.
    public func prepare(buckets: [String], objects: [String: String] = [:], enforceAuth: Bool) throws -> Credentials {
        var arguments = [RepoPaths.root.appendingPathComponent("scripts/s3_fixture.py").path, endpoint]
        for bucket in buckets { arguments += ["--bucket", bucket] }
        for (target, path) in objects.sorted(by: { $0.key < $1.key }) { arguments += ["--put", "\(target)=\(path)"] }
        if enforceAuth { arguments.append("--enforce-auth") }
        let output = try Self.run(RepoPaths.root.appendingPathComponent(".venv/bin/python").path, arguments)
        guard let credentials = try? JSONDecoder().decode(Credentials.self, from: Data(output.utf8)) else {
            throw StartError.fixtureFailed(output)
        }
        return credentials
    }

    /// SIGTERM, then SIGKILL if it has not gone within 3 s; always reaps the process.
    public func stop() {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }

    private static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let run = try CommandRun.run(executable, arguments)
        guard run.status == 0 else { throw StartError.fixtureFailed(run.output) }
        return run.output
    }
}
