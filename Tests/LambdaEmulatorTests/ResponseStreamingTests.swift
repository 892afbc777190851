// InvokeWithResponseStream, read by boto3 as users' code reads it (scripts/invoke_stream.py): a
// streaming runtime's chunks reach the caller while it is still writing, a runtime that answers in
// one piece gives one chunk, and errors and the log tail come in InvokeComplete.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestServers
import XCTest
@testable import LambdaEmulator

final class ResponseStreamingTests: EmulatorTestCase {
    /// A runtime that answers in streaming mode: "first ", then, once `signal` exists (the caller
    /// has read the first chunk), after {"pause": seconds}, "second", then {"megabytes": n} of "x";
    /// with {"fail": true} its trailers name an error.
    private static let streamingRuntime = streamingRuntimePrologue + """
        signal = sys.argv[1]
        while True:
            event = next_invocation("text/plain")
            send(b"first ")
            while not os.path.exists(signal):
                time.sleep(0.01)
            time.sleep(event.get("pause", 0))
            send(b"second")
            for _ in range(event.get("megabytes", 0)):
                send(b"x" * 1048576)
            if event.get("fail"):
                body = base64.b64encode(b'{"errorMessage": "broke midway", "errorType": "Function.Broken"}')
                api.send(b"0\\r\\nLambda-Runtime-Function-Error-Type: Function.Broken\\r\\nLambda-Runtime-Function-Error-Body: " + body + b"\\r\\n\\r\\n")
            else:
                api.send(b"0\\r\\n\\r\\n")
            api.getresponse().read()
        """

    /// What the test runtimes share: `next_invocation` takes the next event and starts its
    /// response in streaming mode; `send` sends one chunk of it.
    private static let streamingRuntimePrologue = """
        import base64, http.client, json, os, sys, time
        host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
        api = http.client.HTTPConnection(host, int(port))
        def next_invocation(content_type=None):
            api.request("GET", "/2018-06-01/runtime/invocation/next")
            answer = api.getresponse()
            event = json.loads(answer.read())
            request_id = answer.getheader("Lambda-Runtime-Aws-Request-Id")
            api.putrequest("POST", f"/2018-06-01/runtime/invocation/{request_id}/response")
            api.putheader("Lambda-Runtime-Function-Response-Mode", "streaming")
            api.putheader("Transfer-Encoding", "chunked")
            if content_type:
                api.putheader("Content-Type", content_type)
            api.endheaders()
            return event
        def send(data):
            api.send(b"%x\\r\\n%s\\r\\n" % (len(data), data))

        """

    private struct StreamRead: Decodable {
        var status: Int
        var contentType: String?
        var requestId: String
        var chunks: [String]
        var complete: [String: String]?
    }

    private func python() throws -> String {
        let python = TestPaths.repoRoot.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else { throw XCTSkip("no .venv: run `make deps-python` (make test does)") }
        return python
    }

    /// Calls InvokeWithResponseStream through boto3.
    private func invokeStream(_ emulator: LambdaEmulator, _ payload: String, arguments: [String] = []) async throws -> StreamRead {
        let command = [TestPaths.repoRoot.appendingPathComponent("scripts/invoke_stream.py").path, "http://127.0.0.1:\(emulator.port)",
                       "function", payload] + arguments
        let python = try python()
        let run = try await Task.detached { try CommandRun.run(python, command, errors: false) }.value
        XCTAssertEqual(run.status, 0, run.output)
        return try JSONDecoder().decode(StreamRead.self, from: Data(run.output.utf8))
    }

    private func startStreamingRuntime(signal: String, stalledRequestSeconds: Double? = nil) async throws -> LambdaEmulator {
        var configuration = EmulatorConfiguration(command: [try python(), "-c", Self.streamingRuntime, signal], timeoutSeconds: 20,
                                                  functionName: "streaming", shutdownGraceSeconds: 1)
        if let stalledRequestSeconds { configuration.stalledRequestSeconds = stalledRequestSeconds }
        configuration.platformLog = PlatformLog(format: .text) { _ in }
        let emulator = try await LambdaEmulator.start(configuration)
        shutDownAfterTest(emulator)
        return emulator
    }

    private func signalFile() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stream-signal-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// The runtime sends its second chunk only after the caller has read the first: buffered until
    /// the end, the invocation would time out with nothing read.
    func testAStreamingRuntimesChunksReachTheCallerAsTheyAreWritten() async throws {
        let signal = signalFile()
        let emulator = try await startStreamingRuntime(signal: signal)
        let read = try await invokeStream(emulator, "{}", arguments: ["--signal", signal])
        XCTAssertEqual(read.status, 200)
        XCTAssertEqual(read.contentType, "text/plain")
        XCTAssertEqual(read.chunks, ["first ", "second"])
        XCTAssertEqual(read.complete, [:])
        // The same answer through the buffered endpoint: the whole body.
        try FileManager.default.removeItem(atPath: signal)
        FileManager.default.createFile(atPath: signal, contents: nil)
        let buffered = try await postInvocation(port: emulator.port, body: Data("{}".utf8))
        XCTAssertEqual(buffered.body, "first second")
    }

    /// Lambda streams up to 200 MB, where a buffered answer stops at 6 MB; and a stream may pause
    /// for as long as its function runs, without being closed as a stalled request. (It was cut at
    /// 6 MB with Function.ResponseSizeTooLarge, and closed after the stall limit.)
    func testAStreamMayPassTheBufferedLimitAndPause() async throws {
        let signal = signalFile()
        let emulator = try await startStreamingRuntime(signal: signal, stalledRequestSeconds: 1)
        let read = try await invokeStream(emulator, #"{"megabytes": 7, "pause": 2}"#, arguments: ["--signal", signal])
        XCTAssertEqual(read.complete, [:])
        XCTAssertEqual(read.chunks.joined().utf8.count, "first second".utf8.count + 7 * 1_048_576)
    }

    func testAStreamThatEndsInAnErrorSaysSoInInvokeComplete() async throws {
        let signal = signalFile()
        let emulator = try await startStreamingRuntime(signal: signal)
        let read = try await invokeStream(emulator, #"{"fail": true}"#, arguments: ["--signal", signal, "--log-type", "Tail"])
        XCTAssertEqual(read.chunks, ["first ", "second"])
        XCTAssertEqual(read.complete?["ErrorCode"], "Function.Broken")
        XCTAssertEqual(read.complete?["ErrorDetails"], "broke midway")
        let log = String(decoding: Data(base64Encoded: read.complete?["LogResult"] ?? "") ?? Data(), as: UTF8.self)
        XCTAssertTrue(log.contains("START RequestId: \(read.requestId)") && log.contains("REPORT RequestId: \(read.requestId)"), log)
    }

    /// A runtime that streams {"megabytes": n} (100 by default) as fast as it can, writing how
    /// much it has sent to argv[1] after each megabyte, then "done".
    private static let floodingRuntime = streamingRuntimePrologue + """
        block = b"x" * 1048576
        while True:
            event = next_invocation()
            for sent in range(1, event.get("megabytes", 100) + 1):
                send(block)
                with open(sys.argv[1], "w") as progress:
                    progress.write(str(sent))
            api.send(b"4\\r\\ndone\\r\\n0\\r\\n\\r\\n")
            api.getresponse().read()
        """

    /// A caller that reads the answer's first bytes, then nothing for two seconds: the megabytes
    /// the runtime has sent by then (argv[2] says), then every byte of the answer (to its close).
    private static let slowCaller = """
        import json, socket, sys, time
        caller = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
        caller.sendall(b"POST /2021-11-15/functions/flooding/response-streaming-invocations HTTP/1.1\\r\\n"
                       b"Host: x\\r\\nConnection: close\\r\\nContent-Length: 2\\r\\n\\r\\n{}")
        total = len(caller.recv(65536))
        time.sleep(2)
        sent_while_unread = int(open(sys.argv[2]).read() or 0)
        while chunk := caller.recv(1 << 20):
            total += len(chunk)
        print(json.dumps({"sentWhileUnread": sent_while_unread, "bytesRead": total}))
        """

    /// A caller that reads slowly holds the runtime back, as Lambda does: the emulator stops
    /// reading the runtime's stream while a few megabytes wait for the caller, instead of holding
    /// all of it (up to 200 MB a stream) in memory. Nothing is lost once the caller reads.
    func testACallerThatReadsSlowlyHoldsTheStreamBack() async throws {
        let progress = signalFile()
        FileManager.default.createFile(atPath: progress, contents: Data("0".utf8))
        var configuration = EmulatorConfiguration(command: [try python(), "-c", Self.floodingRuntime, progress], timeoutSeconds: 60,
                                                  functionName: "flooding", shutdownGraceSeconds: 1)
        configuration.platformLog = PlatformLog(format: .text) { _ in }
        let emulator = try await LambdaEmulator.start(configuration)
        shutDownAfterTest(emulator)
        let command = ["-c", Self.slowCaller, String(emulator.port), progress]
        let python = try python()
        let run = try await Task.detached { try CommandRun.run(python, command, errors: false) }.value
        let read = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Int], run.output)
        // Socket buffers on both connections and the emulator's 4 MB take some; 100 MB would all be sent.
        XCTAssertLessThan(read["sentWhileUnread"] ?? 100, 50, run.output)
        XCTAssertGreaterThan(read["bytesRead"] ?? 0, 100 * 1_048_576, run.output)
    }

    /// Our runtime's streaming handler (LambdaStreamingHandler): its second write waits until the
    /// caller has read the first, so a runtime that collected the writes and posted them in one
    /// piece would leave the invocation to time out. Through the buffered endpoint, the whole body.
    func testOurRuntimesStreamingHandlerReachesTheCallerAsItWrites() async throws {
        let signal = signalFile()
        let emulator = try await startTestFunction("stream", timeout: 20)
        shutDownAfterTest(emulator)
        let payload = #"{"signal": "\#(signal)"}"#
        let read = try await invokeStream(emulator, payload, arguments: ["--signal", signal])
        XCTAssertEqual(read.status, 200)
        XCTAssertEqual(read.contentType, "text/plain")
        XCTAssertEqual(read.chunks, ["first ", "second"])
        XCTAssertEqual(read.complete, [:])
        let buffered = try await postInvocation(port: emulator.port, body: Data(payload.utf8))
        XCTAssertEqual(buffered.body, "first second")
    }

    /// Past the 6 MB a buffered answer may carry; an error after the first write ends the stream
    /// and reaches the caller in InvokeComplete, one before it is posted as a buffered handler's
    /// is; and the runtime goes on serving.
    func testOurRuntimesStreamPassesSixMegabytesAndEndsWithItsError() async throws {
        let emulator = try await startTestFunction("stream", timeout: 20)
        shutDownAfterTest(emulator)
        let large = try await invokeStream(emulator, #"{"megabytes": 7, "fail": "after"}"#)
        XCTAssertEqual(large.chunks.joined().utf8.count, "first second".utf8.count + 7 * 1_048_576)
        XCTAssertEqual(large.complete?["ErrorCode"], "Function.Broken")
        XCTAssertEqual(large.complete?["ErrorDetails"], "broke midway")
        let before = try await invokeStream(emulator, #"{"fail": "before"}"#)
        XCTAssertEqual(before.chunks, [])
        XCTAssertEqual(before.complete?["ErrorCode"], "Function.Broken")
        XCTAssertEqual(before.complete?["ErrorDetails"], "failed before writing")
        let buffered = try await postInvocation(port: emulator.port, body: Data(#"{"fail": "before"}"#.utf8))
        XCTAssertEqual(buffered.headers["x-amz-function-error"], "Unhandled", buffered.body)
        XCTAssertTrue(buffered.body.contains("\"errorType\":\"Function.Broken\""), buffered.body)
        let again = try await invokeStream(emulator, "{}")
        XCTAssertEqual(again.chunks, ["first ", "second"])
    }

    /// Our runtime answers in one piece: one chunk, and a function error in InvokeComplete.
    func testABufferedAnswerIsOneChunkAndItsErrorIsInInvokeComplete() async throws {
        let emulator = try await LambdaEmulator.start(EmulatorConfiguration(command: [TestPaths.executable("lambda-test-function")],
                                                                            timeoutSeconds: 20, functionName: "buffered", handler: "echo",
                                                                            shutdownGraceSeconds: 1))
        shutDownAfterTest(emulator)
        let read = try await invokeStream(emulator, #"{"n": 1}"#)
        XCTAssertEqual(read.chunks.count, 1)
        // (The test function's echo answers with the event and its context.)
        XCTAssertEqual((jsonObject(read.chunks.first ?? "")["event"] as? [String: Any])?["n"] as? Int, 1, "\(read.chunks)")
        XCTAssertEqual(read.complete, [:])
        let failing = try await LambdaEmulator.start(EmulatorConfiguration(command: [TestPaths.executable("lambda-test-function")],
                                                                           timeoutSeconds: 20, functionName: "failing", handler: "throw",
                                                                           shutdownGraceSeconds: 1))
        shutDownAfterTest(failing)
        let failed = try await invokeStream(failing, "{}")
        XCTAssertEqual(failed.chunks, [])
        XCTAssertTrue(failed.complete?["ErrorCode"]?.hasPrefix("Function.") == true, "\(String(describing: failed.complete))")
        XCTAssertFalse(failed.complete?["ErrorDetails"]?.isEmpty ?? true, "\(String(describing: failed.complete))")
    }

    /// The checks are Invoke's: an unknown function is 404, and Event is not a streaming type.
    func testTheInvokeChecksApply() async throws {
        let emulator = try await LambdaEmulator.start(EmulatorConfiguration(command: [TestPaths.executable("lambda-test-function")],
                                                                            functionName: "checked", handler: "echo", shutdownGraceSeconds: 1))
        shutDownAfterTest(emulator)
        func post(_ function: String, headers: [String: String] = [:]) async throws -> HTTPReply {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(emulator.port)/2021-11-15/functions/\(function)/response-streaming-invocations")!)
            request.httpMethod = "POST"
            request.httpBody = Data("{}".utf8)
            for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
            let (data, response) = try await URLSession.shared.data(for: request)
            return HTTPReply(status: (response as! HTTPURLResponse).statusCode, headers: [:], body: String(decoding: data, as: UTF8.self))
        }
        let unknown = try await post("other-function")
        XCTAssertEqual(unknown.status, 404, unknown.body)
        let event = try await post("checked", headers: ["X-Amz-Invocation-Type": "Event"])
        XCTAssertEqual(event.status, 400, event.body)
        XCTAssertTrue(event.body.contains("is not one of RequestResponse, DryRun"), event.body)
        let dryRun = try await post("checked", headers: ["X-Amz-Invocation-Type": "DryRun"])
        XCTAssertEqual(dryRun.status, 204, dryRun.body)
    }
}
