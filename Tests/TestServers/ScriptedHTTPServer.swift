// A loopback HTTP server whose GET answer is a few lines of Python: for servers that misbehave in
// one particular way (ignore Range, send the wrong range, a long error page).
import Foundation

/// Python's http.server on a free 127.0.0.1 port, its `do_GET` body given by the test, stopped by
/// its PID when released. The body sees `self` (a BaseHTTPRequestHandler) and `re`.
public final class ScriptedHTTPServer {
    public let port: Int
    public var endpoint: String { "http://127.0.0.1:\(port)" }
    private let process: Process

    public enum StartError: Error, CustomStringConvertible {
        case notReady
        public var description: String { "the scripted HTTP server did not start listening within 20 s" }
    }

    /// `doGET`: the statements of `do_GET(self)`, indented by four spaces or not at all; `doPUT`
    /// likewise for `do_PUT(self)` and `doHEAD` for `do_HEAD(self)` (none: http.server's 501).
    public init(doGET: String, doPUT: String? = nil, doHEAD: String? = nil) throws {
        port = try FreePort.find()
        func indented(_ statements: String) -> String {
            statements.split(separator: "\n", omittingEmptySubsequences: false).map { "        " + $0 }.joined(separator: "\n")
        }
        let body = indented(doGET)
        let put = (doPUT.map { "\n    def do_PUT(self):\n" + indented($0) } ?? "")
            + (doHEAD.map { "\n    def do_HEAD(self):\n" + indented($0) } ?? "")
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import http.server, re
            class Handler(http.server.BaseHTTPRequestHandler):
                protocol_version = "HTTP/1.1"
                def do_GET(self):
            \(body)\(put)
                def log_message(self, *args): pass
            http.server.ThreadingHTTPServer(("127.0.0.1", \(port)), Handler).serve_forever()
            """]
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while !FreePort.isListening(port) {
            guard process.isRunning, Date() < deadline else {
                stop()
                throw StartError.notReady
            }
            usleep(50_000)
        }
    }

    deinit { stop() }

    /// SIGTERM and reap.
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }
}
