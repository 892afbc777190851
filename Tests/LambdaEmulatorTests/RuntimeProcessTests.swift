// The real bootstrap and the fault-injecting test function as child processes of the emulator.
import XCTest
import LambdaEmulator

final class RuntimeProcessTests: EmulatorTestCase {
    func testBootstrapEchoThroughTheInvokeEndpoint() async throws {
        let emulator = try await LambdaEmulator.start(EmulatorConfiguration(
            command: [TestPaths.executable("bootstrap")], functionName: "echo", handler: "echo", region: "us-east-1", shutdownGraceSeconds: 1))
        shutDownAfterTest(emulator)
        // The client context as the SDKs send it: base64 of the JSON, which the runtime gets decoded.
        let clientContext = Data(#"{"custom":{"app":"uploader"}}"#.utf8).base64EncodedString()
        let reply = try await postInvocation(port: emulator.port, body: Data(#"{"video":"file:///tmp/a.mp4"}"#.utf8),
                                             headers: ["X-Amzn-Trace-Id": "Root=1-67890abc-0123456789abcdef01234567;Sampled=1",
                                                       "X-Amz-Client-Context": clientContext])
        XCTAssertEqual(reply.status, 200)
        XCTAssertNil(reply.headers["x-amz-function-error"])
        let body = jsonObject(reply.body)
        XCTAssertEqual((body["event"] as? [String: String])?["video"], "file:///tmp/a.mp4")
        XCTAssertEqual(body["functionArn"] as? String, "arn:aws:lambda:us-east-1:000000000000:function:echo")
        XCTAssertEqual(body["traceId"] as? String, "Root=1-67890abc-0123456789abcdef01234567;Sampled=1")
        XCTAssertEqual(((body["requestId"] as? String) ?? "").count, 36)
        XCTAssertEqual(((body["clientContext"] as? [String: Any])?["custom"] as? [String: String])?["app"], "uploader")
        XCTAssertNil(body["tenantId"], "no tenant was given")
        // Pretty-printed JSON has line breaks, which no header value may hold: it is sent on one line.
        let pretty = Data("{\n  \"custom\": {\"app\": \"uploader\"}\n}".utf8).base64EncodedString()
        let again = try await postInvocation(port: emulator.port, body: Data("{}".utf8), headers: ["X-Amz-Client-Context": pretty])
        XCTAssertEqual(((jsonObject(again.body)["clientContext"] as? [String: Any])?["custom"] as? [String: String])?["app"], "uploader")
    }

    /// The Runtime API is reached directly, whatever proxy the environment names for the function's
    /// own traffic. (libcurl took http_proxy and ALL_PROXY for it too: in a VPC with an egress proxy
    /// the runtime could not reach the API and exited at its first GET next.)
    func testTheRuntimeAPIIsNotReachedThroughAProxyFromTheEnvironment() async throws {
        // Nothing listens on port 1: a request sent through this proxy fails at once.
        let nowhere = "http://127.0.0.1:1"
        var configuration = EmulatorConfiguration(command: [TestPaths.executable("bootstrap")], functionName: "echo", handler: "echo",
                                                  shutdownGraceSeconds: 1)
        // The host's own no_proxy (often 127.0.0.1) must not let the runtime off.
        configuration.environment = ["http_proxy": nowhere, "ALL_PROXY": nowhere, "all_proxy": nowhere, "NO_PROXY": "", "no_proxy": ""]
        let emulator = try await LambdaEmulator.start(configuration)
        shutDownAfterTest(emulator)
        let result = try await emulator.invoke(Array(#"{"n": 1}"#.utf8))
        XCTAssertNil(result.functionError, result.bodyText)
        XCTAssertEqual((jsonObject(result.bodyText)["event"] as? [String: Int])?["n"], 1)
    }

    /// The Invoke API's invocation types, payloads and function names, as Lambda's: Event is
    /// queued and answered 202 at once, DryRun 204 without running, another type 400; a payload
    /// that is not JSON 400 (the function never sees it), an empty one {}; another function's name
    /// 404, the function's own name or ARN served; every answer names its request id.
    func testTheInvokeAPIsTypesPayloadsAndNames() async throws {
        var configuration = EmulatorConfiguration(command: [TestPaths.executable("bootstrap")], functionName: "echo", handler: "echo",
                                                  region: "us-east-1", shutdownGraceSeconds: 1)
        // Its REPORT lines count what ran.
        configuration.platformLog = PlatformLog(format: .text) { _ in }
        let emulator = try await LambdaEmulator.start(configuration)
        shutDownAfterTest(emulator)
        let empty = try await postInvocation(port: emulator.port, body: Data())
        XCTAssertEqual(empty.status, 200, empty.body)
        XCTAssertEqual((jsonObject(empty.body)["event"] as? [String: Any])?.isEmpty, true, empty.body)
        XCTAssertEqual(empty.headers["x-amzn-requestid"], jsonObject(empty.body)["requestId"] as? String)
        let notJSON = try await postInvocation(port: emulator.port, body: Data("hello".utf8))
        XCTAssertEqual(notJSON.status, 400, notJSON.body)
        XCTAssertEqual(notJSON.headers["x-amzn-errortype"], "InvalidRequestContentException")
        let dryRun = try await postInvocation(port: emulator.port, body: Data("{}".utf8), headers: ["X-Amz-Invocation-Type": "DryRun"])
        XCTAssertEqual(dryRun.status, 204)
        let unknown = try await postInvocation(port: emulator.port, body: Data("{}".utf8), headers: ["X-Amz-Invocation-Type": "Later"])
        XCTAssertEqual(unknown.status, 400)
        XCTAssertEqual(unknown.headers["x-amzn-errortype"], "InvalidParameterValueException")
        let queued = try await postInvocation(port: emulator.port, body: Data(#"{"n": 1}"#.utf8), headers: ["X-Amz-Invocation-Type": "Event"])
        XCTAssertEqual(queued.status, 202)
        XCTAssertEqual(queued.body, "")
        XCTAssertEqual(queued.headers["x-amzn-requestid"]?.count, 36)
        for name in ["echo", "arn:aws:lambda:us-east-1:000000000000:function:echo", "echo:$LATEST"] {
            let reply = try await postInvocation(port: emulator.port, body: Data("{}".utf8), function: name)
            XCTAssertEqual(reply.status, 200, "\(name): \(reply.body)")
        }
        let other = try await postInvocation(port: emulator.port, body: Data("{}".utf8), function: "echoo")
        XCTAssertEqual(other.status, 404)
        XCTAssertEqual(other.headers["x-amzn-errortype"], "ResourceNotFoundException")
        // Run: the empty payload, the Event, and the three by name; nothing else reached the function.
        let ran = await eventually { await emulator.platformReportSummary().durationsMs.count == 5 }
        let reported = await emulator.platformReportSummary().durationsMs.count
        XCTAssertTrue(ran, "\(reported) invocations reported")
    }

    /// A qualifier, in the name or the query, reaches the runtime in the invoked ARN (as an alias
    /// does in Lambda); the client context must be base64 JSON of at most 3583 bytes; an Event's
    /// payload at most 1 MB.
    func testQualifiersClientContextsAndEventPayloadsAsTheInvokeAPITakesThem() async throws {
        let emulator = try await LambdaEmulator.start(EmulatorConfiguration(
            command: [TestPaths.executable("bootstrap")], functionName: "echo", handler: "echo", region: "us-east-1", shutdownGraceSeconds: 1))
        shutDownAfterTest(emulator)
        let arn = "arn:aws:lambda:us-east-1:000000000000:function:echo"
        // The RIE's name in a full ARN with a qualifier: "function:function:prod" is name then qualifier.
        let named: [(function: String, query: String?, invoked: String)] = [
            ("arn:aws:lambda:us-east-1:000000000000:function:function:prod", nil, arn + ":prod"),
            ("000000000000:function:echo", nil, arn),
            ("echo", "Qualifier=live", arn + ":live"),
            ("echo:live", "Qualifier=live", arn + ":live"),
        ]
        for (function, query, invoked) in named {
            let reply = try await postInvocation(port: emulator.port, body: Data("{}".utf8), function: function, query: query)
            XCTAssertEqual(reply.status, 200, "\(function) \(query ?? ""): \(reply.body)")
            XCTAssertEqual(jsonObject(reply.body)["functionArn"] as? String, invoked, function)
        }
        for (function, query) in [("echo:prod", "Qualifier=live"), ("echo", "Qualifier=no%20spaces")] {
            let reply = try await postInvocation(port: emulator.port, body: Data("{}".utf8), function: function, query: query)
            XCTAssertEqual(reply.status, 400, "\(function) \(query): \(reply.body)")
            XCTAssertEqual(reply.headers["x-amzn-errortype"], "InvalidParameterValueException")
        }
        // Lambda refuses a client context sent as plain JSON, one that is no object, and a long one.
        let long = Data(#"{"custom":{"k":"\#(String(repeating: "v", count: 2700))"}}"#.utf8).base64EncodedString()
        for context in [#"{"custom":{}}"#, Data("[1,2]".utf8).base64EncodedString(), long] {
            let reply = try await postInvocation(port: emulator.port, body: Data("{}".utf8), headers: ["X-Amz-Client-Context": context])
            XCTAssertEqual(reply.status, 400, reply.body)
            XCTAssertTrue(reply.body.contains("Client context must be a valid Base64-encoded JSON object."), reply.body)
        }
        let payload = Data(("{\"pad\":\"" + String(repeating: "x", count: 1_048_576) + "\"}").utf8)
        let event = try await postInvocation(port: emulator.port, body: payload, headers: ["X-Amz-Invocation-Type": "Event"])
        XCTAssertEqual(event.status, 413, event.body)
        XCTAssertEqual(event.headers["x-amzn-errortype"], "RequestEntityTooLargeException")
        let synchronous = try await postInvocation(port: emulator.port, body: payload)
        XCTAssertEqual(synchronous.status, 200)
    }

    func testHandlerErrorComesBackWithTheFunctionErrorHeader() async throws {
        let emulator = try await startTestFunction("throw")
        shutDownAfterTest(emulator)
        let reply = try await postInvocation(port: emulator.port, body: Data("{}".utf8))
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.headers["x-amz-function-error"], "Unhandled")
        XCTAssertEqual(jsonObject(reply.body)["errorType"] as? String, "Function.InvalidEvent")
        XCTAssertEqual(jsonObject(reply.body)["errorMessage"] as? String, "the test handler was asked to fail")
        // The runtime keeps serving after an error.
        let again = try await emulator.invoke(Array("{}".utf8))
        XCTAssertEqual(again.errorType, "Function.InvalidEvent")
    }

    func testTimeoutReplacesTheRuntimeAndTheNextInvocationWorks() async throws {
        let emulator = try await startTestFunction("sleep", timeout: 1)
        shutDownAfterTest(emulator)
        let ready = await emulator.waitUntilReady()
        XCTAssertTrue(ready, "the runtimes never asked for work")
        let before = await emulator.runtimePIDs()
        let result = try await emulator.invoke(Array(#"{"ms":30000}"#.utf8))
        XCTAssertEqual(result.errorType, "Sandbox.Timedout")
        XCTAssertTrue(result.bodyText.contains("Task timed out after 1.00 seconds"), result.bodyText)
        XCTAssertEqual(before.count, 1)
        let replaced = await eventually { !isAlive(before[0]) }
        XCTAssertTrue(replaced, "the timed-out runtime (pid \(before[0])) was not killed")
        let next = try await emulator.invoke(Array(#"{"ms":1}"#.utf8))
        XCTAssertEqual(next, .success(Array(#"{"slept":true}"#.utf8)))
        let after = await emulator.runtimePIDs()
        XCTAssertEqual(after.count, 1)
        XCTAssertNotEqual(after, before)
    }

    /// A runtime that never finishes init (here one that never asks for work) is stopped at its init
    /// limit, and its init tried again in the waiting invocation's invoke phase, which the
    /// invocation's timeout ends: the caller gets the timeout error instead of waiting forever.
    func testAnInitThatNeverEndsTimesOut() async throws {
        var configuration = EmulatorConfiguration(command: ["/bin/sleep", "60"], timeoutSeconds: 1, functionName: "test-hangs",
                                                  handler: "hangs", shutdownGraceSeconds: 1)
        configuration.initLimitSeconds = 1
        let emulator = try await LambdaEmulator.start(configuration)
        shutDownAfterTest(emulator)
        let hanging = await emulator.startedPIDs()
        let result = try await emulator.invoke(Array("{}".utf8))
        XCTAssertEqual(result.errorType, "Sandbox.Timedout")
        XCTAssertTrue(result.bodyText.contains("Task timed out after 1.00 seconds"), result.bodyText)
        let killed = await eventually { !isAlive(hanging[0]) }
        XCTAssertTrue(killed, "the runtime stuck in init (pid \(hanging[0])) was not killed")
        // The next invocation gets fresh processes (init, then invoke phase), which hang and time out the same way.
        let again = try await emulator.invoke(Array("{}".utf8))
        XCTAssertEqual(again.errorType, "Sandbox.Timedout")
        let started = await emulator.startedPIDs()
        XCTAssertEqual(started.count, 4)
    }

    /// A runtime that posts an init error and then hangs past the init limit (and does the same
    /// when its init is tried again in the invocation's invoke phase, until the invocation's
    /// timeout): the caller gets the init error, which says more than the timeout would, and so
    /// does INIT_REPORT, whose Init Duration ends at the post.
    func testAnInitErrorBeforeAHangIsWhatTheCallerGets() async throws {
        let python = TestPaths.repoRoot.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else { throw XCTSkip("no .venv: run `make deps-python`") }
        let script = """
            import os, time, urllib.request
            url = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/init/error"
            body = b'{"errorMessage":"the model server never answered","errorType":"Function.ModelStuck"}'
            urllib.request.urlopen(urllib.request.Request(url, data=body, headers={"Lambda-Runtime-Function-Error-Type": "Function.ModelStuck"}))
            time.sleep(60)
            """
        var configuration = EmulatorConfiguration(command: [python, "-c", script], timeoutSeconds: 5, functionName: "test-stuck",
                                                  handler: "stuck", shutdownGraceSeconds: 30)
        // Past the limit, but long enough for Python to start and post the error on a loaded machine.
        configuration.initLimitSeconds = 5
        let lines = Lines()
        configuration.platformLog = PlatformLog(format: .text) { lines.append($0) }
        let emulator = try await LambdaEmulator.start(configuration)
        shutDownAfterTest(emulator)
        let result = try await emulator.invoke(Array("{}".utf8))
        XCTAssertEqual(result.errorType, "Function.ModelStuck", result.bodyText)
        let report = try XCTUnwrap(lines.all.first?.wholeMatch(of: #/INIT_REPORT Init Duration: (\d+\.\d\d) ms\tPhase: init\tStatus: error\tError Type: Function\.ModelStuck/#),
                                   "\(lines.all)")
        XCTAssertLessThan(try XCTUnwrap(Double(report.1)), 5000)
    }

    func testSevenMegabyteResponseBecomesResponseSizeTooLarge() async throws {
        let emulator = try await startTestFunction("large")
        shutDownAfterTest(emulator)
        let result = try await emulator.invoke(Array(#"{"bytes":7340032}"#.utf8))
        XCTAssertEqual(result.errorType, "Function.ResponseSizeTooLarge")
        XCTAssertTrue(result.bodyText.contains("7340032"), result.bodyText)
    }

    func testRuntimeExitingMidInvocationIsAnExitError() async throws {
        let emulator = try await startTestFunction("exit")
        shutDownAfterTest(emulator)
        let result = try await emulator.invoke(Array("{}".utf8))
        XCTAssertEqual(result.errorType, "Runtime.ExitError")
        XCTAssertTrue(result.bodyText.contains("Runtime exited with error: exit status 3"), result.bodyText)
        XCTAssertFalse(result.body.isEmpty)
        // A fresh runtime takes the next invocation.
        let again = try await emulator.invoke(Array("{}".utf8))
        XCTAssertEqual(again.errorType, "Runtime.ExitError")
    }

    func testInitErrorReachesTheCaller() async throws {
        let emulator = try await startTestFunction("init-fail")
        shutDownAfterTest(emulator)
        let result = try await emulator.invoke(Array("{}".utf8))
        XCTAssertEqual(result.functionError, "Unhandled")
        XCTAssertEqual(result.errorType, "Function.ModelLoadFailed")
        XCTAssertEqual(jsonObject(result.bodyText)["errorMessage"] as? String, "the test function refuses to initialise")
        // Each invocation retries init, as Lambda does, and fails the same way.
        let again = try await emulator.invoke(Array("{}".utf8))
        XCTAssertEqual(again.errorType, "Function.ModelLoadFailed")
    }

    func testUnknownHandlerIsAnInvalidEntrypoint() async throws {
        let emulator = try await startTestFunction("no-such-function", command: [TestPaths.executable("bootstrap")])
        shutDownAfterTest(emulator)
        let result = try await emulator.invoke(Array("{}".utf8))
        XCTAssertEqual(result.errorType, "Runtime.InvalidEntrypoint")
        XCTAssertTrue(result.bodyText.contains("no-such-function"), result.bodyText)
    }

    /// An event whose hand-over fails (the runtime's GET next connection closed as it was written)
    /// stays with its runtime, which gets it when it asks again: not a timeout, and not a
    /// Runtime.NoResponse for an event it never saw.
    func testAnEventThatCouldNotBeHandedOverIsGivenAgainToItsRuntime() async throws {
        let emulator = try await startTestFunction("echo")
        shutDownAfterTest(emulator)
        let ready = await emulator.waitUntilReady()
        XCTAssertTrue(ready, "the runtime never asked for work")
        await emulator.inject(.closeWhileHandingOver)
        let result = try await emulator.invoke(Array(#"{"n": 2}"#.utf8))
        XCTAssertNil(result.functionError, result.bodyText)
        XCTAssertEqual((jsonObject(result.bodyText)["event"] as? [String: Int])?["n"], 2, result.bodyText)
    }

    /// A container image's CMD comes to the entry point as its argument, as Lambda starts an image of
    /// our own; it names the function even over a _HANDLER that names none.
    func testBootstrapServesTheFunctionItsArgumentNames() async throws {
        let emulator = try await startTestFunction("no-such-function", command: [TestPaths.executable("bootstrap"), "echo"])
        shutDownAfterTest(emulator)
        let result = try await emulator.invoke(Array(#"{"n": 1}"#.utf8))
        XCTAssertNil(result.functionError, result.bodyText)
        XCTAssertEqual((jsonObject(result.bodyText)["event"] as? [String: Int])?["n"], 1, result.bodyText)
    }

    /// The same for the deploy build (`make test` makes it with the image's flags), started the way
    /// Lambda starts it: its argument, no _HANDLER, and no OPENBLAS_CORETYPE. With the standard
    /// library linked in, CommandLine.arguments came back empty on Zen 4, where a constructor's setenv
    /// moves `environ` before Swift looks for argv there; an emulator's runtimes inherit that variable
    /// from it, which hid the fault. (Only on a Zen 4 does the old binary fail this; elsewhere no
    /// constructor calls setenv.)
    func testTheDeployBuildServesTheFunctionItsArgumentNames() async throws {
        let deployBuild = TestPaths.repoRoot.appendingPathComponent(".build-static/release/bootstrap").path
        guard FileManager.default.isExecutableFile(atPath: deployBuild) else {
            throw XCTSkip("no deploy build at \(deployBuild) (`make test` or `make deploy-bootstrap` builds it)")
        }
        // env(1) execs the bootstrap without what Lambda would not give it.
        let emulator = try await startTestFunction("", command: ["/usr/bin/env", "-u", "OPENBLAS_CORETYPE", "-u", "_HANDLER", deployBuild, "echo"])
        shutDownAfterTest(emulator)
        let result = try await emulator.invoke(Array(#"{"n": 1}"#.utf8))
        XCTAssertNil(result.functionError, result.bodyText)
        XCTAssertEqual((jsonObject(result.bodyText)["event"] as? [String: Int])?["n"], 1, result.bodyText)
    }

    func testA500OnNextMakesTheRuntimeExitAndANewOneServes() async throws {
        let emulator = try await startTestFunction("echo")
        shutDownAfterTest(emulator)
        let ready = await emulator.waitUntilReady()
        XCTAssertTrue(ready, "the runtimes never asked for work")
        let first = await emulator.runtimePIDs()
        await emulator.inject(.nextReturns500)
        // The runtime answers, asks for more, gets the 500, and must exit promptly.
        let result = try await emulator.invoke(Array(#"{"n":1}"#.utf8))
        XCTAssertNil(result.functionError)
        let exited = await eventually(5) { !isAlive(first[0]) }
        XCTAssertTrue(exited, "the runtime did not exit after a 500 from GET next")
        let next = try await emulator.invoke(Array(#"{"n":2}"#.utf8))
        XCTAssertNil(next.functionError, next.bodyText)
    }

    /// A 413 on a response ends the invocation as Function.ResponseSizeTooLarge; the runtime posts
    /// nothing more for it (an error post would be refused, as Lambda refuses it) and serves on.
    func testA413OnTheResponseEndsTheInvocationAndTheRuntimeServesOn() async throws {
        let emulator = try await startTestFunction("echo")
        shutDownAfterTest(emulator)
        await emulator.inject(.rejectNextResponseWith413)
        let result = try await emulator.invoke(Array(#"{"n":1}"#.utf8))
        XCTAssertEqual(result.errorType, "Function.ResponseSizeTooLarge")
        let next = try await emulator.invoke(Array(#"{"n":2}"#.utf8))
        XCTAssertNil(next.functionError, next.bodyText)
        let violations = await emulator.protocolViolations()
        XCTAssertEqual(violations, [], "the runtime posted for an invocation that had ended")
    }

    func testTraceIDIsInTheRuntimesEnvironment() async throws {
        let emulator = try await startTestFunction("trace")
        shutDownAfterTest(emulator)
        let trace = "Root=1-11111111-222222222222222222222222;Parent=3333333333333333;Sampled=0"
        let result = try await emulator.invoke(Array("{}".utf8), options: InvocationOptions(traceID: trace))
        XCTAssertEqual(jsonObject(result.bodyText)["traceEnv"] as? String, trace)
    }

    func testConcurrencyTwoServesTwoInvocationsAtOnce() async throws {
        let emulator = try await startTestFunction("pid", concurrency: 2)
        shutDownAfterTest(emulator)
        let ready = await emulator.waitUntilReady()
        XCTAssertTrue(ready, "the runtimes never asked for work")
        // While one runtime holds its invocation for 1 s, the other must take the second one.
        async let a = emulator.invoke(Array(#"{"ms":1000}"#.utf8))
        async let b = emulator.invoke(Array(#"{"ms":1000}"#.utf8))
        let pids = try await [a, b].map { jsonObject($0.bodyText)["pid"] as? Int }
        XCTAssertEqual(Set(pids.compactMap { $0 }).count, 2, "both invocations went to one runtime: \(pids)")
    }

    func testRequestsOverSixMegabytesGet413() async throws {
        let emulator = try await startTestFunction("echo")
        shutDownAfterTest(emulator)
        let reply = try await postInvocation(port: emulator.port, body: Data(count: LambdaEmulator.requestLimit + 10))
        XCTAssertEqual(reply.status, 413)
        // Where the AWS SDKs read the error's type and message (boto3's RequestEntityTooLargeException).
        XCTAssertEqual(reply.headers["x-amzn-errortype"], "RequestEntityTooLargeException", "\(reply.headers)")
        XCTAssertTrue((jsonObject(reply.body)["message"] as? String)?.contains("6291456 bytes") == true, reply.body)
    }

    func testShutdownStopsEveryRuntime() async throws {
        let (emulator, pids) = try await readyRuntimes("echo", concurrency: 2)
        await emulator.shutdown()
        XCTAssertFalse(pids.contains(where: isAlive), "runtimes still running after shutdown: \(pids)")
    }

    func testShutdownAsksRuntimesToStopWithSIGTERMFirst() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("sigterm-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: marker) }
        let emulator = try await LambdaEmulator.start(EmulatorConfiguration(
            command: [TestPaths.executable("lambda-test-function")], handler: "echo",
            environment: ["TEST_SIGTERM_MARKER": marker], shutdownGraceSeconds: 20))
        shutDownAfterTest(emulator)
        let ready = await emulator.waitUntilReady()
        XCTAssertTrue(ready, "the runtime never asked for work")
        await emulator.shutdown()
        XCTAssertTrue(FileManager.default.fileExists(atPath: marker), "the runtime never received SIGTERM")
    }

    /// The runtime signs S3 requests for the region it is given: the caller's, not a fixed one.
    func testTheRuntimesRegionIsTheCallers() {
        let saved = (getenv("AWS_REGION").map { String(cString: $0) }, getenv("AWS_DEFAULT_REGION").map { String(cString: $0) })
        defer {
            if let region = saved.0 { setenv("AWS_REGION", region, 1) } else { unsetenv("AWS_REGION") }
            if let region = saved.1 { setenv("AWS_DEFAULT_REGION", region, 1) } else { unsetenv("AWS_DEFAULT_REGION") }
        }
        unsetenv("AWS_REGION"); unsetenv("AWS_DEFAULT_REGION")
        XCTAssertEqual(EmulatorConfiguration(command: ["x"]).region, "us-east-1")
        setenv("AWS_DEFAULT_REGION", "ap-south-1", 1)
        XCTAssertEqual(EmulatorConfiguration(command: ["x"]).region, "ap-south-1")
        setenv("AWS_REGION", "eu-west-1", 1)
        XCTAssertEqual(EmulatorConfiguration(command: ["x"]).region, "eu-west-1")
    }

    func testLambdaEnvironmentIsGivenToTheRuntime() async throws {
        // awslambdaric-free check of the variables: the echo handler's ARN comes from them, and
        // a shell runtime can print its environment as the response.
        let script = """
            set -e; api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
            id=$(curl -s -D - -o /dev/null "$api/invocation/next" | tr -d '\\r' | awk -F': ' 'tolower($1)=="lambda-runtime-aws-request-id"{print $2}')
            body=$(printf '{"name":"%s","memory":"%s","version":"%s","handler":"%s","region":"%s","root":"%s","tz":"%s","cwd":"%s"}' \\
              "$AWS_LAMBDA_FUNCTION_NAME" "$AWS_LAMBDA_FUNCTION_MEMORY_SIZE" "$AWS_LAMBDA_FUNCTION_VERSION" "$_HANDLER" "$AWS_REGION" "$LAMBDA_TASK_ROOT" "$TZ" "$(pwd)")
            curl -s -o /dev/null -X POST -d "$body" "$api/invocation/$id/response"; sleep 5
            """
        let emulator = try await LambdaEmulator.start(EmulatorConfiguration(
            command: ["/bin/sh", "-c", script], memoryMB: 2048, functionName: "env-check", handler: "my.handler",
            region: "eu-west-1", shutdownGraceSeconds: 1, taskRoot: NSTemporaryDirectory()))
        shutDownAfterTest(emulator)
        let result = try await emulator.invoke(Array("{}".utf8))
        var env = jsonObject(result.bodyText) as? [String: String]
        // The runtime starts in its task root, as on Lambda.
        XCTAssertEqual(env?.removeValue(forKey: "cwd").map { URL(fileURLWithPath: $0).standardized.path },
                       URL(fileURLWithPath: NSTemporaryDirectory()).standardized.path)
        XCTAssertEqual(env, ["name": "env-check", "memory": "2048", "version": "$LATEST", "handler": "my.handler",
                             "region": "eu-west-1", "root": NSTemporaryDirectory(), "tz": ":UTC"])
    }

    /// After its init error a runtime gets no work (Lambda ends the sandbox: it is killed after the
    /// grace period), and a second init error is refused; the caller gets the first.
    func testAfterAnInitErrorTheRuntimeGetsNoWorkAndNoSecondInitError() async throws {
        let record = NSTemporaryDirectory() + "init-error-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: record) }
        let script = """
            api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
            post() { curl -s -o /dev/null -w '%{http_code} ' -X POST -H 'Lambda-Runtime-Function-Error-Type: Function.Broken' \\
              -d '{"errorMessage":"no model","errorType":"Function.Broken"}' "$api/init/error"; }
            { post; post; curl -s -o /dev/null -w '%{http_code}' "$api/invocation/next"; } > "$0"
            """
        let emulator = try await LambdaEmulator.start(EmulatorConfiguration(
            command: ["/bin/sh", "-c", script, record], functionName: "init-fails", shutdownGraceSeconds: 10))
        shutDownAfterTest(emulator)
        let result = try await emulator.invoke(Array("{}".utf8))
        XCTAssertEqual(result.errorType, "Function.Broken", result.bodyText)
        XCTAssertEqual(try String(contentsOfFile: record, encoding: .utf8), "202 403 403")
    }

    /// A runtime started through a shell script that does not exec it is stopped with the script
    /// when its invocation times out (it led no group before: the shell died, and the runtime went
    /// on sleeping in the handler and then asking the new runtime's slot for work).
    func testARuntimeBehindAWrapperScriptIsStoppedWithIt() async throws {
        let marker = "wrapper-\(UUID().uuidString)"
        let function = TestPaths.executable("lambda-test-function")
        let emulator = try await LambdaEmulator.start(EmulatorConfiguration(
            command: ["/bin/sh", "-c", #""$0" "$1"; exit 0"#, function, marker], timeoutSeconds: 1,
            functionName: "test-wrapped", handler: "sleep", shutdownGraceSeconds: 1))
        shutDownAfterTest(emulator)
        let started = await eventually { processes(withArguments: [function, marker]).count == 1 }
        XCTAssertTrue(started, "the wrapped runtime never started")
        let wrapped = processes(withArguments: [function, marker])
        let result = try await emulator.invoke(Array(#"{"ms":30000}"#.utf8))
        XCTAssertEqual(result.errorType, "Sandbox.Timedout")
        let stopped = await eventually(5) { !wrapped.contains(where: isRunning) }
        XCTAssertTrue(stopped, "the runtime behind the timed-out wrapper (pid \(wrapped)) still runs")
        await emulator.shutdown()
        let none = await eventually(5) { processes(withArguments: [function, marker]).isEmpty }
        XCTAssertTrue(none, "a wrapped runtime outlived the emulator")
    }
}

/// The running (not zombie) processes whose command line is exactly `arguments`.
func processes(withArguments arguments: [String]) -> [Int32] {
    let wanted = Array(arguments.joined(separator: "\0").utf8) + [0]
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { pid in
        FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map { Array($0) == wanted } == true && isRunning(pid)
    }
}

/// Alive and not a zombie waiting for its parent (kill(pid, 0) succeeds on those too).
func isRunning(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first != "Z"
}

/// A runtime whose log reader went away (`serve ... 2>&1 | head` that has ended) goes on serving:
/// its next log line fails instead of ending the process with SIGPIPE in the middle of an invocation.
final class ClosedLogPipeTests: EmulatorTestCase {
    func testARuntimeWhoseLogReaderWentAwayKeepsServing() async throws {
        let emulator = try await LambdaEmulator.start(EmulatorConfiguration(command: [], timeoutSeconds: 5, functionName: "logs"))
        shutDownAfterTest(emulator)
        let runtime = Process()
        // Started as Lambda starts it, with SIGPIPE's default action (which ends the process), not
        // with this test process's ignored SIGPIPE, which a child would inherit.
        runtime.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        runtime.arguments = ["-c", "import os, signal, sys; signal.signal(signal.SIGPIPE, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])",
                             TestPaths.executable("lambda-test-function")]
        runtime.environment = ["AWS_LAMBDA_RUNTIME_API": emulator.runtimeAPIAddresses[0], "_HANDLER": "log", "PATH": "/usr/bin:/bin"]
        let logs = Pipe()
        runtime.standardError = logs
        runtime.standardOutput = logs
        try runtime.run()
        defer { if runtime.isRunning { runtime.terminate() } }
        // Nobody reads the logs any more: the next write to the pipe gets EPIPE.
        try logs.fileHandleForReading.close()
        for n in 1...3 {
            // A runtime that died leaves an invocation waiting for one (the emulator cannot start it
            // again in this mode): each must be taken by a runtime asking for work, within seconds.
            let ready = await emulator.waitUntilReady(timeout: .seconds(10))
            guard ready else { return XCTFail("the runtime stopped asking for work before invocation \(n)") }
            let result = try await emulator.invoke(Array(#"{"n":\#(n)}"#.utf8))
            XCTAssertNil(result.functionError, "invocation \(n): \(result.bodyText)")
            XCTAssertEqual(result.bodyText, #"{"n":\#(n)}"#)
        }
        XCTAssertTrue(runtime.isRunning, "the runtime died after its last invocation")
    }
}
