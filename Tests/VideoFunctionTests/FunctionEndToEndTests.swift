// Both functions end to end: the real bootstrap under the emulator, every sample event, S3 through
// moto_server (input object in, result object out), bad events as Function.* errors, and serving on.
import Foundation
import LambdaEmulator
import ObjectStore
import TestServers
import XCTest

final class FunctionEndToEndTests: XCTestCase {
    private static var moto: MotoServer?
    private static var credentials: MotoServer.Credentials?
    private static var setupFailure: Error?
    private var emulators: [LambdaEmulator] = []

    override class func setUp() {
        do {
            let video = RepoPaths.cache("videos/h264.mp4").path
            guard FileManager.default.fileExists(atPath: video) else { return }
            let server = try MotoServer.start()
            moto = server
            var objects = ["videolambda-input/uploads/clip one.mp4": video]
            let long = RepoPaths.cache("videos/long_720p.mp4").path
            if FileManager.default.fileExists(atPath: long) { objects["videolambda-input/long_720p.mp4"] = long }
            credentials = try server.prepare(buckets: ["videolambda-input", "videolambda-output"],
                                             objects: objects, enforceAuth: true)
        } catch { setupFailure = error }
    }

    override class func tearDown() { moto?.stop() }

    override func tearDown() async throws {
        for emulator in emulators { await emulator.shutdown() }
        emulators.removeAll()
    }

    private func start(_ function: String, outputURI: String? = "s3://videolambda-output/results/",
                       environment extra: [String: String] = [:], timeout: Double = 120) async throws -> LambdaEmulator {
        if let failure = Self.setupFailure { throw failure }
        guard FileManager.default.fileExists(atPath: RepoPaths.root.appendingPathComponent("functions/\(function)/model/model.onnx.zst").path),
              let moto = Self.moto, let credentials = Self.credentials else {
            throw XCTSkip("models or videos are missing: run `make models` (make test does)")
        }
        // Two vCPUs' worth of memory (3538 MB): the bootstrap sizes its threads by it, as on Lambda.
        var configuration = EmulatorConfiguration(command: [BuiltProducts.executable("bootstrap")], timeoutSeconds: timeout, memoryMB: 3538,
                                                  functionName: function, handler: function, shutdownGraceSeconds: 1)
        configuration.taskRoot = RepoPaths.root.path
        configuration.environment = [
            "AWS_ACCESS_KEY_ID": credentials.accessKeyId, "AWS_SECRET_ACCESS_KEY": credentials.secretAccessKey,
            "AWS_ENDPOINT_URL_S3": moto.endpoint,
        ]
        if let outputURI { configuration.environment["OUTPUT_URI"] = outputURI }
        configuration.environment.merge(extra) { $1 }
        let emulator = try await LambdaEmulator.start(configuration)
        emulators.append(emulator)
        return emulator
    }

    private func sample(_ function: String, _ event: String) throws -> [UInt8] {
        Array(try Data(contentsOf: RepoPaths.root.appendingPathComponent("functions/\(function)/events/\(event)")))
    }

    /// The S3 store the tests read results from, with moto_server's credentials.
    private func resultStore() -> ObjectStore {
        let environment = ["AWS_ACCESS_KEY_ID": Self.credentials!.accessKeyId, "AWS_SECRET_ACCESS_KEY": Self.credentials!.secretAccessKey,
                           "AWS_ENDPOINT_URL_S3": Self.moto!.endpoint]
        return ObjectStore(policy: AccessPolicy(allowedRoots: []), s3: .fromEnvironment(environment))
    }

    private func object(_ result: InvocationResult, file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
        XCTAssertNil(result.functionError, result.bodyText, file: file, line: line)
        return (try? JSONSerialization.jsonObject(with: Data(result.body)) as? [String: Any]) ?? [:]
    }

    func testModerationSampleEvents() async throws {
        let emulator = try await start("video-moderation")
        let direct = object(try await emulator.invoke(try sample("video-moderation", "direct.json")))
        XCTAssertEqual(direct["sampledFrames"] as? Int, 16)
        XCTAssertEqual((direct["frames"] as? [Any])?.count, 16)
        XCTAssertEqual((direct["model"] as? [String: Any])?["sha256"] as? String, "864bb37bf8863564b87eb330ab8c785a79a773f4e7c43cb96db52ed8611305fa")
        XCTAssertEqual((direct["threshold"] as? [String: Any])?["verdict"] as? String, "safe")
        let timings = try XCTUnwrap(direct["timings"] as? [String: Double])
        XCTAssertEqual(Set(timings.keys), ["fetchMs", "decodeMs", "preprocessMs", "inferMs", "totalMs"])

        let http = object(try await emulator.invoke(try sample("video-moderation", "http.json")))
        XCTAssertEqual(http["statusCode"] as? Int, 200)
        let body = try JSONSerialization.jsonObject(with: Data((http["body"] as? String ?? "").utf8)) as? [String: Any]
        XCTAssertEqual(body?["sampledFrames"] as? Int, 8)
        // A request without a body is a 400 that says so (not a JSON parser's "end of input at byte 0").
        let empty = object(try await emulator.invoke(Array(#"{"version": "2.0", "requestContext": {"http": {"method": "POST"}}}"#.utf8)))
        XCTAssertEqual(empty["statusCode"] as? Int, 400)
        XCTAssertTrue((empty["body"] as? String ?? "").contains("the request has no body"), "\(empty)")

        // S3: the object goes in, the full result comes out in the output bucket, a summary comes back.
        let s3 = object(try await emulator.invoke(try sample("video-moderation", "s3-put.json")))
        let summary = try XCTUnwrap((s3["results"] as? [[String: Any]])?.first)
        XCTAssertEqual(summary["video"] as? String, "s3://videolambda-input/uploads/clip one.mp4")
        XCTAssertNil(summary["frames"])
        let output = try XCTUnwrap(summary["output"] as? String)
        XCTAssertEqual(output, "s3://videolambda-output/results/uploads/clip one.mp4.json")
        let stored = try JSONSerialization.jsonObject(with: Data(try resultStore().readAll(output))) as? [String: Any]
        XCTAssertEqual((stored?["frames"] as? [Any])?.count, 16)
        XCTAssertLessThan(summary["bytesFetched"] as? Int ?? .max, 1_055_148 * 2)
    }

    /// Several batches of a long video from S3, each batch's spans fetched in the background while
    /// the batch before it runs, give exactly the frames and scores of the same file read locally,
    /// from a small part of the object.
    func testS3RangeReadsInBatchesGiveTheScoresOfTheLocalFile() async throws {
        guard FileManager.default.fileExists(atPath: RepoPaths.cache("videos/long_720p.mp4").path) else {
            throw XCTSkip("the 10-minute video is missing: run `make test`, which generates it")
        }
        let emulator = try await start("video-moderation")
        func frames(_ uri: String) async throws -> (frames: NSArray, bytesFetched: Int) {
            let event = #"{"video": "\#(uri)", "frames": 24, "perFrame": true}"#
            let result = object(try await emulator.invoke(Array(event.utf8)))
            return (try XCTUnwrap(result["frames"] as? NSArray), try XCTUnwrap(result["bytesFetched"] as? Int))
        }
        let local = try await frames(".cache/videos/long_720p.mp4")
        let remote = try await frames("s3://videolambda-input/long_720p.mp4")
        XCTAssertEqual(local.frames.count, 24)
        XCTAssertEqual(remote.frames, local.frames)
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: RepoPaths.cache("videos/long_720p.mp4").path)[.size] as? Int)
        XCTAssertLessThan(remote.bytesFetched, size / 10, "24 frames need a few spans, not the object")
    }

    /// Every record of an S3 notification is analysed even when one fails; the invocation then
    /// fails (so Lambda retries the event) naming the failed record, the others' results stored.
    func testAFailedS3RecordDoesNotStopTheOthers() async throws {
        let emulator = try await start("video-moderation")
        let store = resultStore()
        try store.write(Array(try Data(contentsOf: RepoPaths.cache("videos/h264.mp4"))), to: "s3://videolambda-input/uploads/second.mp4")
        func record(_ key: String) -> String {
            #"{"eventSource": "aws:s3", "s3": {"bucket": {"name": "videolambda-input"}, "object": {"key": "\#(key)"}}}"#
        }
        try store.write(Array("not a video at all".utf8), to: "s3://videolambda-input/uploads/text.mp4")
        let event = #"{"Records": [\#(record("uploads/text.mp4")), \#(record("uploads/second.mp4"))]}"#
        let result = try await emulator.invoke(Array(event.utf8))
        XCTAssertEqual(result.errorType, "Function.InvalidVideo", result.bodyText)
        XCTAssertTrue(result.bodyText.contains("1 of 2 records failed"), result.bodyText)
        XCTAssertTrue(result.bodyText.contains("s3://videolambda-input/uploads/text.mp4"), result.bodyText)
        let stored = try JSONSerialization.jsonObject(with: Data(try store.readAll("s3://videolambda-output/results/uploads/second.mp4.json"))) as? [String: Any]
        XCTAssertEqual(stored?["sampledFrames"] as? Int, 16)

        // An object deleted since S3 told of it is skipped, saying so: every retry would find it gone.
        let gone = #"{"Records": [\#(record("uploads/missing.mp4"))]}"#
        let skipped = object(try await emulator.invoke(Array(gone.utf8)))
        XCTAssertEqual(skipped["skipped"] as? [[String: String]], [["key": "uploads/missing.mp4", "eventName": "", "reason": "the object no longer exists"]],
                       "\(skipped)")
        // A record names the version it tells of (its eTag): that one is analysed; one replaced
        // since is skipped, saying so, since its new version has a notification of its own.
        let md5 = try CommandRun.run("/usr/bin/md5sum", [RepoPaths.cache("videos/h264.mp4").path]).output.prefix(32)
        func versioned(_ eTag: some StringProtocol) -> String {
            #"{"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": "videolambda-input"}, "object": {"key": "uploads/second.mp4", "eTag": "\#(eTag)"}}}]}"#
        }
        let current = object(try await emulator.invoke(Array(versioned(md5).utf8)))
        XCTAssertEqual((current["results"] as? [[String: Any]])?.count, 1, "\(current)")
        let stale = object(try await emulator.invoke(Array(versioned("0123456789abcdef0123456789abcdef").utf8)))
        XCTAssertEqual(stale["skipped"] as? [[String: String]],
                       [["key": "uploads/second.mp4", "eventName": "", "reason": "the object was replaced since this notification"]], "\(stale)")
        // A key with a control character (S3 allows one; a notification escapes it) is skipped,
        // saying why: each retry would fail the same way until the failure destination.
        let control = object(try await emulator.invoke(Array(#"{"Records": [\#(record("uploads/a%0Ab.mp4"))]}"#.utf8)))
        XCTAssertEqual(control["skipped"] as? [[String: String]],
                       [["key": "uploads/a\nb.mp4", "eventName": "", "reason": "the key holds control characters"]], "\(control)")
        // A bucket that is not there is no deletion: it fails, naming S3's NoSuchBucket.
        let noBucket = #"{"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": "no-such-bucket"}, "object": {"key": "a.mp4"}}}]}"#
        let refused = try await emulator.invoke(Array(noBucket.utf8))
        XCTAssertEqual(refused.errorType, "Function.VideoUnavailable", refused.bodyText)
        XCTAssertTrue(refused.bodyText.contains("NoSuchBucket"), refused.bodyText)
    }

    /// Without OUTPUT_URI an S3 event gets its full results back, and SQS messages fail rather
    /// than have their results dropped.
    func testWithoutAnOutputURINothingIsDropped() async throws {
        let emulator = try await start("video-moderation", outputURI: nil)
        let s3 = object(try await emulator.invoke(try sample("video-moderation", "s3-put.json")))
        let result = try XCTUnwrap((s3["results"] as? [[String: Any]])?.first)
        XCTAssertEqual((result["frames"] as? [Any])?.count, 16)
        XCTAssertNil(result["output"])
        let sqs = object(try await emulator.invoke(try sample("video-orientation", "sqs.json")))
        // S3's test event has nothing to store, so it does not fail.
        XCTAssertEqual((sqs["batchItemFailures"] as? [[String: String]])?.map { $0["itemIdentifier"] ?? "" },
                       ["msg-direct-1", "msg-s3-notification-2", "msg-not-a-video-3"], "\(sqs)")
        // Nor does a notification of no new object.
        let removal = #"{\"Records\": [{\"eventSource\": \"aws:s3\", \"eventName\": \"ObjectRemoved:Delete\", \"s3\": {\"bucket\": {\"name\": \"in\"}, \"object\": {\"key\": \"a.mp4\"}}}]}"#
        let batch = #"{"Records": [{"messageId": "msg-removal", "eventSource": "aws:sqs", "body": "\#(removal)"}]}"#
        let removed = object(try await emulator.invoke(Array(batch.utf8)))
        XCTAssertEqual((removed["batchItemFailures"] as? [Any])?.count, 0, "\(removed)")
    }

    /// A local OUTPUT_URI keeps every result under it: a message whose id would lead out of it fails
    /// (and is retried), instead of writing beside the prefix.
    func testALocalOutputKeepsResultsUnderItsPrefix() async throws {
        let directory = NSTemporaryDirectory() + "video-lambda-out-\(getpid())"
        try? FileManager.default.removeItem(atPath: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let emulator = try await start("video-orientation", outputURI: directory + "/results/")
        let body = #"{\"video\": \".cache/videos/h264.mp4\", \"frames\": 1}"#
        let batch = #"{"Records": [{"messageId": "../escaped", "eventSource": "aws:sqs", "body": "\#(body)"}, {"messageId": "m-1", "eventSource": "aws:sqs", "body": "\#(body)"}]}"#
        let answer = object(try await emulator.invoke(Array(batch.utf8)))
        XCTAssertEqual((answer["batchItemFailures"] as? [[String: String]])?.map { $0["itemIdentifier"] ?? "" }, ["../escaped"], "\(answer)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/escaped.json"), "a result was written outside the prefix")
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/results/m-1.json"))
    }

    /// `video-lambda invoke` in process reads a sample event's relative video path as `--emulated`
    /// does: its task root is where it runs from. (Outside `make invoke`, which set
    /// LAMBDA_TASK_ROOT, the function's own sample event was refused as outside the allowed roots.)
    func testInvokeInProcessReadsTheSampleEventsVideo() throws {
        guard FileManager.default.fileExists(atPath: RepoPaths.root.appendingPathComponent("functions/video-orientation/model/model.onnx.zst").path) else {
            throw XCTSkip("models are missing: run `make models` (make test does)")
        }
        let event = FileManager.default.temporaryDirectory.appendingPathComponent("in-process-\(UUID().uuidString).json")
        try Data(#"{"video": ".cache/videos/h264.mp4", "frames": 1}"#.utf8).write(to: event)
        defer { try? FileManager.default.removeItem(at: event) }
        let run = try CommandRun.run(BuiltProducts.directory.appendingPathComponent("video-lambda").path,
                                     ["invoke", "--event", event.path, "--function", "video-orientation"],
                                     unset: ["LAMBDA_TASK_ROOT", "VIDEO_LAMBDA_FUNCTIONS", "OUTPUT_URI"], in: RepoPaths.root, errors: false)
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertEqual((try? JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])?["sampledFrames"] as? Int, 1, run.output)
    }

    func testOrientationSampleEvents() async throws {
        // The template form of OUTPUT_URI, as template.yaml deploys it.
        let emulator = try await start("video-orientation", outputURI: "s3://videolambda-output/results/<key>.json")
        let direct = object(try await emulator.invoke(try sample("video-orientation", "direct.json")))
        let vote = try XCTUnwrap(direct["vote"] as? [String: Any])
        XCTAssertTrue(["0", "90", "180", "270"].contains(vote["label"] as? String ?? ""), "\(vote)")
        XCTAssertNotNil(vote["meaning"] as? String)
        // A direct event, an S3 notification (its result stored under its key), a file that is not a
        // video, and S3's test event.
        let sqs = object(try await emulator.invoke(try sample("video-orientation", "sqs.json")))
        XCTAssertEqual(sqs["batchItemFailures"] as? [[String: String]], [["itemIdentifier": "msg-not-a-video-3"]],
                       "only the message whose object is not a video is retried")
        let stored = try JSONSerialization.jsonObject(with: Data(try resultStore().readAll("s3://videolambda-output/results/uploads/clip one.mp4.json"))) as? [String: Any]
        XCTAssertEqual(stored?["function"] as? String, "video-orientation")
        XCTAssertEqual(stored?["sampledFrames"] as? Int, 16)

        let s3 = object(try await emulator.invoke(try sample("video-orientation", "s3-put.json")))
        XCTAssertEqual((s3["results"] as? [[String: Any]])?.first?["output"] as? String, "s3://videolambda-output/results/uploads/clip one.mp4.json")
        // A Function URL request with a base64 body (as Lambda sends a binary content type).
        let url = object(try await emulator.invoke(try sample("video-orientation", "function-url.json")))
        XCTAssertEqual(url["statusCode"] as? Int, 200, "\(url)")
        let body = try JSONSerialization.jsonObject(with: Data((url["body"] as? String ?? "").utf8)) as? [String: Any]
        XCTAssertEqual(body?["sampledFrames"] as? Int, 8)
        XCTAssertNotNil((body?["vote"] as? [String: Any])?["label"] as? String)
    }

    /// The S3 records a queue gets for a removal, and S3's test event, are answered without analysis.
    func testS3EventsOtherThanNewObjectsAreSkipped() async throws {
        let emulator = try await start("video-moderation")
        let removal = #"{"Records": [{"eventSource": "aws:s3", "eventName": "ObjectRemoved:Delete", "s3": {"bucket": {"name": "videolambda-input"}, "object": {"key": "uploads/gone.mp4"}}}]}"#
        let skipped = object(try await emulator.invoke(Array(removal.utf8)))
        XCTAssertEqual((skipped["results"] as? [Any])?.count, 0, "\(skipped)")
        XCTAssertEqual(skipped["skipped"] as? [[String: String]], [["key": "uploads/gone.mp4", "eventName": "ObjectRemoved:Delete"]])
        // A result of the function's own, in a bucket that is input and output both, is no video.
        let own = #"{"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "videolambda-output"}, "object": {"key": "results/video-moderation/uploads/a.mp4.json"}}}]}"#
        let ownReply = object(try await emulator.invoke(Array(own.utf8)))
        XCTAssertEqual(ownReply["skipped"] as? [[String: String]], [["key": "results/video-moderation/uploads/a.mp4.json", "eventName": "ObjectCreated:Put"]],
                       "\(ownReply)")
        let test = #"{"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "videolambda-input"}"#
        let testReply = object(try await emulator.invoke(Array(test.utf8)))
        XCTAssertNotNil(testReply["skipped"] as? String, "\(testReply)")
    }

    /// Over HTTP, a request naming what cannot be read is the caller's error (4xx), not the gateway's.
    func testHTTPStatusesSayWhoseFaultItIs() async throws {
        let emulator = try await start("video-moderation")
        func status(_ event: String) async throws -> (Int?, String) {
            let escaped = event.replacing("\"", with: "\\\"")
            let request = #"{"version": "2.0", "requestContext": {"http": {"method": "POST"}}, "body": "\#(escaped)"}"#
            let reply = object(try await emulator.invoke(Array(request.utf8)))
            return (reply["statusCode"] as? Int, reply["body"] as? String ?? "")
        }
        // A FIFO where the video should be: nothing to take (it was a 502, "the store failed").
        let fifo = NSTemporaryDirectory() + "video-lambda-http-fifo-\(getpid()).mp4"
        unlink(fifo)
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        defer { unlink(fifo) }
        let cases: [(String, Int, String)] = [
            (#"{"video": "\#(fifo)"}"#, 422, "not a regular file"),
            (#"{"video": "ftp://host/a.mp4"}"#, 400, "scheme 'ftp' is not supported"),
            (#"{"video": "s3://bad_bucket_/a.mp4"}"#, 400, "not a valid bucket name"),
            (#"{"video": "/etc/passwd"}"#, 403, "refused by policy"),
            (#"{"video": "s3://videolambda-input/missing.mp4"}"#, 404, "not found"),
            (#"{"video": ".cache/videos/random.bin"}"#, 422, "random.bin"),
        ]
        for (event, expected, text) in cases {
            let (code, body) = try await status(event)
            XCTAssertEqual(code, expected, "\(event): \(body)")
            XCTAssertTrue(body.contains(text), "\(event): \(body)")
        }
        // An object over the function's size limit: the video cannot be taken, not the store failing.
        let limited = try await start("video-moderation", environment: ["VIDEO_LAMBDA_MAX_OBJECT_BYTES": "1000"])
        let reply = object(try await limited.invoke(Array(#"{"version": "2.0", "requestContext": {"http": {"method": "POST"}}, "body": "{\"video\": \"s3://videolambda-input/uploads/clip one.mp4\"}"}"#.utf8)))
        XCTAssertEqual(reply["statusCode"] as? Int, 422, "\(reply)")
        XCTAssertTrue((reply["body"] as? String ?? "").contains("over the limit of 1000 bytes"), "\(reply)")
        // S3 refusing the function's own signature (its secret, its clock) is no fault of the caller's
        // (it was a 403, as if the caller had named a video it may not read).
        let misconfigured = try await start("video-moderation", environment: ["AWS_SECRET_ACCESS_KEY": "not-the-secret"])
        let refused = object(try await misconfigured.invoke(Array(#"{"version": "2.0", "requestContext": {"http": {"method": "POST"}}, "body": "{\"video\": \"s3://videolambda-input/uploads/clip one.mp4\"}"}"#.utf8)))
        XCTAssertEqual(refused["statusCode"] as? Int, 502, "\(refused)")
        XCTAssertTrue((refused["body"] as? String ?? "").contains("bad signature"), "\(refused)")
    }

    /// An S3 that takes the connection and never answers: the function gives up by its deadline and
    /// says so (Function.Timeout), instead of being killed by Lambda's timeout with no answer.
    func testAStalledStoreEndsInTheFunctionsOwnTimeoutError() async throws {
        let silent = try SilentListener()
        let emulator = try await start("video-moderation", environment: ["AWS_ENDPOINT_URL_S3": "http://127.0.0.1:\(silent.port)"], timeout: 3)
        let result = try await emulator.invoke(Array(#"{"video": "s3://videolambda-input/stalled.mp4"}"#.utf8))
        XCTAssertEqual(result.errorType, "Function.Timeout", result.bodyText)
        XCTAssertTrue(result.bodyText.contains("out of time"), result.bodyText)
    }

    /// Events as users' set-ups send them beyond the samples: an S3 notification through SNS into the
    /// queue, a folder the S3 console made, a GET or a bad base64 body over HTTP.
    func testEventsFromSNSFoldersAndOddHTTPRequests() async throws {
        let emulator = try await start("video-moderation")
        try resultStore().write(Array(try Data(contentsOf: RepoPaths.cache("videos/h264.mp4"))), to: "s3://videolambda-input/uploads/via sns.mp4")
        let notification = #"{"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "videolambda-input"}, "object": {"key": "uploads/via+sns.mp4", "size": 1055148}}}]}"#
        let snsMessage = #"{"Type": "Notification", "TopicArn": "arn:aws:sns:us-east-1:000000000000:uploads", "Message": \#(try jsonString(notification))}"#
        let sqs = #"{"Records": [{"eventSource": "aws:sqs", "messageId": "sns-1", "body": \#(try jsonString(snsMessage))}]}"#
        let batch = object(try await emulator.invoke(Array(sqs.utf8)))
        XCTAssertEqual((batch["batchItemFailures"] as? [Any])?.count, 0, "\(batch)")
        let stored = try JSONSerialization.jsonObject(with: Data(try resultStore().readAll("s3://videolambda-output/results/uploads/via sns.mp4.json"))) as? [String: Any]
        XCTAssertEqual(stored?["sampledFrames"] as? Int, 16)

        // S3 → SNS → Lambda: the SNS message is the notification; the result is stored as for S3.
        let snsEvent = #"{"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "Sns": \#(snsMessage)}]}"#
        try resultStore().write([], to: "s3://videolambda-output/results/uploads/via sns.mp4.json")
        let direct = object(try await emulator.invoke(Array(snsEvent.utf8)))
        XCTAssertEqual((direct["results"] as? [[String: Any]])?.first?["output"] as? String, "s3://videolambda-output/results/uploads/via sns.mp4.json", "\(direct)")
        let restored = try JSONSerialization.jsonObject(with: Data(try resultStore().readAll("s3://videolambda-output/results/uploads/via sns.mp4.json"))) as? [String: Any]
        XCTAssertEqual(restored?["sampledFrames"] as? Int, 16)

        let folder = #"{"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "videolambda-input"}, "object": {"key": "uploads/new/", "size": 0}}}]}"#
        let skipped = object(try await emulator.invoke(Array(folder.utf8)))
        XCTAssertEqual(skipped["skipped"] as? [[String: String]], [["key": "uploads/new/", "eventName": "ObjectCreated:Put"]], "\(skipped)")

        let get = object(try await emulator.invoke(Array(#"{"version": "2.0", "requestContext": {"http": {"method": "GET"}}}"#.utf8)))
        XCTAssertEqual(get["statusCode"] as? Int, 405, "\(get)")
        XCTAssertEqual((get["headers"] as? [String: String])?["allow"], "POST")
        let badBase64 = object(try await emulator.invoke(Array(#"{"version": "2.0", "requestContext": {"http": {"method": "POST"}}, "body": "%%%", "isBase64Encoded": true}"#.utf8)))
        XCTAssertEqual(badBase64["statusCode"] as? Int, 400, "\(badBase64)")
        XCTAssertTrue((badBase64["body"] as? String ?? "").contains("flagged base64 but is not"), "\(badBase64)")

        // Behind API Gateway, 100 ms before its 30 s run out, there is no time for any frame: 504,
        // naming the gateway. The same request through a Function URL has the function's 120 s.
        let video = #"{\"video\": \".cache/videos/h264.mp4\", \"frames\": 1}"#
        let arrived = Int64(Date().timeIntervalSince1970 * 1000) - 29_900
        func viaHTTP(_ domain: String) -> String {
            #"{"version": "2.0", "requestContext": {"domainName": "\#(domain)", "http": {"method": "POST"}, "timeEpoch": \#(arrived)}, "body": "\#(video)"}"#
        }
        let late = object(try await emulator.invoke(Array(viaHTTP("abc.execute-api.us-east-1.amazonaws.com").utf8)))
        XCTAssertEqual(late["statusCode"] as? Int, 504, "\(late)")
        XCTAssertTrue((late["body"] as? String ?? "").contains("API Gateway answers the caller itself 30 s after the request arrived"), "\(late)")
        let viaURL = object(try await emulator.invoke(Array(viaHTTP("abc.lambda-url.us-east-1.on.aws").utf8)))
        XCTAssertEqual(viaURL["statusCode"] as? Int, 200, "\(viaURL)")
        // A REST API's proxy event (payload 1.0) is served like the HTTP API's.
        let rest = object(try await emulator.invoke(Array(#"{"resource": "/", "httpMethod": "POST", "requestContext": {"stage": "prod"}, "body": "\#(video)"}"#.utf8)))
        XCTAssertEqual(rest["statusCode"] as? Int, 200, "\(rest)")

        // A FIFO queue's batch stops at its first failure: the messages after it are not processed
        // (their group's order holds) but failed with it. A standard queue's goes on.
        // Ids of this run's own, so that a result left in moto by an earlier run cannot pass for one.
        let (m1, m2) = ("fifo-\(UUID().uuidString)", "fifo-\(UUID().uuidString)")
        func sqsBatch(queue: String) -> String {
            let records = [(m1, "not json"), (m2, #"{"video": ".cache/videos/h264.mp4", "frames": 1}"#)].map { id, body in
                #"{"eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:\#(queue)", "messageId": "\#(id)", "body": \#((try? jsonString(body)) ?? "")}"#
            }
            return #"{"Records": [\#(records.joined(separator: ", "))]}"#
        }
        func failed(_ reply: [String: Any]) -> [String] {
            ((reply["batchItemFailures"] as? [[String: String]]) ?? []).compactMap { $0["itemIdentifier"] }
        }
        let fifo = object(try await emulator.invoke(Array(sqsBatch(queue: "uploads.fifo").utf8)))
        XCTAssertEqual(failed(fifo), [m1, m2])
        XCTAssertThrowsError(try resultStore().readAll("s3://videolambda-output/results/\(m2).json"), "m2 was not processed")
        let standard = object(try await emulator.invoke(Array(sqsBatch(queue: "uploads").utf8)))
        XCTAssertEqual(failed(standard), [m1])
        XCTAssertNoThrow(try resultStore().readAll("s3://videolambda-output/results/\(m2).json"))
    }

    /// An OUTPUT_URI results cannot be written to is an init error naming it, before any video is
    /// analysed for nothing.
    func testAnOutputURIThatCannotBeWrittenIsAnInitError() async throws {
        for (uri, text) in [("https://example.com/results/", "not HTTPS"), ("s3://videolambda-output/results/", "not in the allowed buckets"),
                            ("file:///etc/video-lambda/", "outside the allowed directories")] {
            let emulator = try await start("video-moderation", outputURI: uri, environment: ["VIDEO_LAMBDA_ALLOWED_BUCKETS": "videolambda-input"])
            let result = try await emulator.invoke(try sample("video-moderation", "s3-put.json"))
            XCTAssertNotNil(result.functionError, result.bodyText)
            XCTAssertTrue(result.bodyText.contains("OUTPUT_URI '\(uri)'") && result.bodyText.contains(text), result.bodyText)
        }
    }

    private func jsonString(_ text: String) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: [text]), as: UTF8.self).dropFirst().dropLast().description
    }

    func testBadEventsAreFunctionErrorsAndTheRuntimeKeepsServing() async throws {
        let emulator = try await start("video-moderation")
        // A FIFO under an allowed root: opening it for reading used to wait for a writer until the timeout.
        let fifo = NSTemporaryDirectory() + "video-lambda-fifo-\(getpid()).mp4"
        unlink(fifo)
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        defer { unlink(fifo) }
        let cases: [(String, String, String)] = [
            ("this is not json", "Function.InvalidEvent", "not JSON"),
            (#"{"frames": 4}"#, "Function.InvalidEvent", "field (a URI"),
            (#"{"video": "/proc/self/environ"}"#, "Function.VideoUnavailable", "refused by policy"),
            // A URI that does not parse is a bad field, as over HTTP (400).
            (#"{"video": "ftp://host/a.mp4"}"#, "Function.InvalidEvent", "scheme 'ftp' is not supported"),
            (#"{"video": "\#(fifo)"}"#, "Function.VideoUnavailable", "not a regular file"),
            (#"{"video": "s3://videolambda-input/missing.mp4"}"#, "Function.VideoUnavailable", "not found"),
            (#"{"video": ".cache/videos/random.bin"}"#, "Function.InvalidVideo", "random.bin"),
            (#"{"video": ".cache/videos/audio_only.m4a"}"#, "Function.InvalidVideo", "no video stream"),
            // Numbers no Int holds (these used to stop the process).
            (#"{"video": ".cache/videos/h264.mp4", "frames": 1e300}"#, "Function.InvalidEvent", "at most 1024 frames"),
            (#"{"video": ".cache/videos/h264.mp4", "every": 1e-300}"#, "Function.InvalidEvent", "over the limit of"),
            (#"{"video": ".cache/videos/h264.mp4", "start": 1e300}"#, "Function.InvalidEvent", "[1e+300, 10) s holds no time of this video (it runs for 10 s)"),
            // "every" counts against the function's frame limit (256 here), not only the library's 1024.
            (#"{"video": ".cache/videos/h264.mp4", "every": 0.02}"#, "Function.InvalidEvent", "500 frames, over the limit of 256"),
            // An error quoting a 200 KB field made an X-Ray cause header the Runtime API refused, and the runtime exit.
            (#"{"Records": [{"eventSource": "\#(String(repeating: "x", count: 200_000))"}]}"#, "Function.InvalidEvent", "are not S3, SQS or SNS records"),
        ]
        let pids = await emulator.runtimePIDs()
        for (event, type, text) in cases {
            let result = try await emulator.invoke(Array(event.utf8))
            XCTAssertEqual(result.functionError, "Unhandled", event)
            XCTAssertEqual(result.errorType, type, "\(event): \(result.bodyText)")
            XCTAssertTrue(result.bodyText.contains(text), "\(event): \(result.bodyText)")
        }
        let good = object(try await emulator.invoke(Array(#"{"video": ".cache/videos/h264.mp4", "frames": 2}"#.utf8)))
        XCTAssertEqual(good["sampledFrames"] as? Int, 2)
        // Four samples within the last frame's time are moved onto it: four samples of it (was one).
        let last = object(try await emulator.invoke(Array(#"{"video": ".cache/videos/h264.mp4", "start": 9.99, "frames": 4}"#.utf8)))
        XCTAssertEqual(last["sampledFrames"] as? Int, 4, "\(last)")
        let after = await emulator.runtimePIDs()
        XCTAssertEqual(after, pids, "the same runtime process served every event")
    }
}
