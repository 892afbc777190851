// The access policy: what an untrusted event may and may not make the function read.
import Foundation
import XCTest
@testable import ObjectStore

final class AccessPolicyTests: XCTestCase {
    private var root = ""

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("policy-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Data("video bytes".utf8).write(to: URL(fileURLWithPath: root + "/clip.mp4"))
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: root)
    }

    private func store(roots: [String]? = nil, maximumBytes: Int64 = AccessPolicy.defaultMaximumObjectBytes,
                       buckets: Set<String>? = nil) -> ObjectStore {
        ObjectStore(policy: AccessPolicy(allowedRoots: roots ?? [root], bucketAllowlist: buckets,
                                         maximumObjectBytes: maximumBytes, runtimeAPIAddress: "127.0.0.1:9001"),
                    s3: S3Configuration(credentials: nil, region: "us-east-1", endpoint: "http://127.0.0.1:1"))
    }

    private func assertRefused(_ uri: String, by store: ObjectStore, code: ObjectStoreError.Code = .refusedByPolicy,
                               mentioning text: String, line: UInt = #line) {
        XCTAssertThrowsError(try store.reader(for: uri), uri, line: line) { error in
            guard let failure = error as? ObjectStoreError else { return XCTFail("\(error)", line: line) }
            XCTAssertEqual(failure.code, code, "\(failure)", line: line)
            XCTAssertTrue(failure.description.hasPrefix(uri + ": "), "names the URI: \(failure)", line: line)
            XCTAssertTrue(failure.description.contains(text), "\(failure)", line: line)
        }
    }

    func testReadsFilesUnderAnAllowedRoot() throws {
        let store = store()
        XCTAssertEqual(try store.readAll(root + "/clip.mp4"), Array("video bytes".utf8))
        XCTAssertEqual(try store.readAll("file://" + root + "/clip.mp4"), Array("video bytes".utf8))
    }

    func testRefusesCredentialsAndSystemFiles() {
        let store = store()
        assertRefused("/proc/self/environ", by: store, mentioning: "outside the allowed directories")
        assertRefused("file:///etc/passwd", by: store, mentioning: "outside the allowed directories")
        assertRefused(root + "/../../etc/passwd", by: store, mentioning: "outside the allowed directories")
        // A sibling whose name merely starts with the root's name is not under it.
        assertRefused(root + "-other/x", by: store, mentioning: "outside the allowed directories")
    }

    func testRefusesSymlinksThatLeaveTheRoot() throws {
        XCTAssertEqual(symlink("/etc/passwd", root + "/innocent.mp4"), 0)
        assertRefused(root + "/innocent.mp4", by: store(), mentioning: "resolves to /etc/passwd")
    }

    func testMissingFilesAndDirectoriesAreNotFound() {
        assertRefused(root + "/missing.mp4", by: store(), code: .notFound, mentioning: "no such file")
        XCTAssertThrowsError(try store().reader(for: root)) { XCTAssertEqual(($0 as? ObjectStoreError)?.code, .notAFile) }
    }

    /// A FIFO is no regular file: refused at once. (Opening one for reading waited for a writer,
    /// which held the invocation to its timeout.)
    func testAFIFOIsRefusedWithoutWaitingForAWriter() {
        XCTAssertEqual(mkfifo(root + "/pipe.mp4", 0o644), 0)
        let store = store(), uri = root + "/pipe.mp4"
        let outcome = Outcome()
        Thread {
            do { _ = try store.reader(for: uri); outcome.set("opened") } catch { outcome.set("\(error)") }
        }.start()
        let answered = outcome.wait(seconds: 10)
        XCTAssertTrue(answered?.contains("not a regular file") == true, answered ?? "still waiting after 10 s")
    }

    func testRefusesObjectsOverTheSizeLimit() {
        assertRefused(root + "/clip.mp4", by: store(maximumBytes: 4), code: .tooLarge, mentioning: "over the limit of 4 bytes")
    }

    func testRefusesHTTPSToNonPublicAddresses() {
        let store = store()
        for uri in ["https://127.0.0.1/v.mp4", "https://169.254.169.254/latest/meta-data/", "https://10.1.2.3/v",
                    "https://192.168.0.1/v", "https://172.20.0.1/v", "https://[::1]/v", "https://[fd00::1]/v",
                    "https://[::ffff:127.0.0.1]/v", "https://localhost/v", "https://100.64.0.1/v"] {
            assertRefused(uri, by: store, mentioning: "non-public address")
        }
        assertRefused("https://127.0.0.1:9001/2018-06-01/runtime/invocation/next", by: store,
                      mentioning: "Runtime API")
    }

    /// A function whose videos all come from S3 reads no HTTPS at all, public hosts included.
    func testHTTPSCanBeTurnedOff() {
        let policy = AccessPolicy.fromEnvironment(["VIDEO_LAMBDA_ALLOW_HTTPS": "false"])
        XCTAssertFalse(policy.allowsHTTPS)
        XCTAssertTrue(AccessPolicy.fromEnvironment([:]).allowsHTTPS)
        XCTAssertTrue(AccessPolicy.fromEnvironment(["VIDEO_LAMBDA_ALLOW_HTTPS": "true"]).allowsHTTPS)
        XCTAssertFalse(AccessPolicy.fromEnvironment(["VIDEO_LAMBDA_ALLOW_HTTPS": "disabled"]).allowsHTTPS, "an unclear value closes it")
        assertRefused("https://example.com/v.mp4", by: ObjectStore(policy: policy, s3: .fromEnvironment([:])),
                      mentioning: "reads no HTTPS URIs (VIDEO_LAMBDA_ALLOW_HTTPS is not on)")
    }

    func testBucketAllowlist() {
        assertRefused("s3://other-bucket/v.mp4", by: store(buckets: ["videos"]), mentioning: "not in the allowed buckets (videos)")
    }

    func testEnvironmentDefaults() {
        let policy = AccessPolicy.fromEnvironment(["LAMBDA_TASK_ROOT": "/var/task", "VIDEO_LAMBDA_ALLOWED_HOSTS": "Minio.local, cdn",
                                                   "VIDEO_LAMBDA_ALLOWED_BUCKETS": "in,out, Legacy_In", "VIDEO_LAMBDA_MAX_OBJECT_BYTES": "1000"],
                                                  functionsDirectory: "/opt/functions")
        XCTAssertEqual(policy.allowedRoots, ["/tmp", "/var/task", "/opt/functions"])
        XCTAssertEqual(policy.privateHostAllowlist, ["minio.local", "cdn"])
        // Bucket names as written: a legacy bucket's capitals are its own (they were lower-cased).
        XCTAssertEqual(policy.bucketAllowlist, ["in", "out", "Legacy_In"])
        XCTAssertEqual(policy.maximumObjectBytes, 1000)
        XCTAssertNil(AccessPolicy.fromEnvironment([:]).bucketAllowlist)
        // A root named twice (task root and allowed roots alike) is listed once, in refusals too.
        let twice = AccessPolicy.fromEnvironment(["LAMBDA_TASK_ROOT": "/var/task", "VIDEO_LAMBDA_ALLOWED_ROOTS": "/var/task:/data"])
        XCTAssertEqual(twice.allowedRoots, ["/tmp", "/var/task", "/data"])
    }

    func testWritesResultsOnlyUnderAllowedRoots() throws {
        let store = store()
        try store.write(Array("{}".utf8), to: "file://" + root + "/result.json")
        XCTAssertEqual(try store.readAll(root + "/result.json"), Array("{}".utf8))
        XCTAssertThrowsError(try store.write([1], to: "/etc/video-lambda.json")) {
            XCTAssertEqual(($0 as? ObjectStoreError)?.code, .refusedByPolicy)
        }
    }

    /// What a function checks of its OUTPUT_URI at init: a file under an allowed root passes, made
    /// directories or not (and none is made by the check), one outside or behind a symlink out of
    /// it is refused.
    func testCheckingAFileToWriteMakesNothing() throws {
        let store = store()
        XCTAssertNoThrow(try store.checkWritable("file://" + root + "/results/uploads/key.json"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/results"), "the check made a directory")
        XCTAssertNoThrow(try store.checkWritable(root + "/key.json"))
        for uri in ["file:///etc/video-lambda/key.json", "/var/tmp/video-lambda-\(getpid())/key.json"] {
            XCTAssertThrowsError(try store.checkWritable(uri), uri) { XCTAssertEqual(($0 as? ObjectStoreError)?.code, .refusedByPolicy, "\($0)") }
        }
        try FileManager.default.createSymbolicLink(atPath: root + "/escape", withDestinationPath: "/var/tmp")
        XCTAssertThrowsError(try store.checkWritable(root + "/escape/new/key.json")) {
            XCTAssertEqual(($0 as? ObjectStoreError)?.code, .refusedByPolicy, "\($0)")
        }
    }

    /// A result named after a nested key gets its directories made, under an allowed root only.
    func testWritingCreatesMissingDirectoriesUnderAllowedRoots() throws {
        let store = store()
        try store.write(Array("{}".utf8), to: "file://" + root + "/results/uploads/clip%25one.mp4.json")
        XCTAssertEqual(try store.readAll(root + "/results/uploads/clip%one.mp4.json"), Array("{}".utf8))
        // A file where a directory must go: the write failed (it was worded "read failed").
        XCTAssertThrowsError(try store.write([1], to: root + "/clip.mp4/result.json")) { error in
            XCTAssertEqual((error as? ObjectStoreError)?.code, .writeFailed, "\(error)")
            XCTAssertTrue("\(error)".contains(": write failed: "), "\(error)")
        }
        let outside = "/var/tmp/video-lambda-\(getpid())"
        XCTAssertThrowsError(try store.write([1], to: outside + "/nested/result.json")) {
            XCTAssertEqual(($0 as? ObjectStoreError)?.code, .refusedByPolicy)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: outside), "a directory was made outside the allowed roots")
        // A symlink out of the root is not followed to make directories behind it.
        try FileManager.default.createSymbolicLink(atPath: root + "/escape", withDestinationPath: "/var/tmp")
        XCTAssertThrowsError(try store.write([1], to: root + "/escape/video-lambda-\(getpid())/result.json")) {
            XCTAssertEqual(($0 as? ObjectStoreError)?.code, .refusedByPolicy)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: outside))
    }
}


/// What a thread ended with, waited for with a bound (a thread blocked for good leaves the test failing, not hanging).
private final class Outcome: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var text: String?
    func set(_ value: String) { text = value; done.signal() }
    func wait(seconds: Double) -> String? { done.wait(timeout: .now() + seconds) == .success ? text : nil }
}
