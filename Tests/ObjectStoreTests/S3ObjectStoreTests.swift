// S3 through moto_server on loopback with signature checks on: reads, ranges, writes and every error.
import Foundation
import TestServers
import XCTest
@testable import ObjectStore

final class S3ObjectStoreTests: XCTestCase {
    private static var server: MotoServer?
    private static var credentials: MotoServer.Credentials?
    private static var startFailure: Error?
    private static let payload: [UInt8] = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 11) }
    private static let directory = FileManager.default.temporaryDirectory.appendingPathComponent("s3-tests-\(UUID().uuidString)")

    override class func setUp() {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let big = directory.appendingPathComponent("big.bin")
            try Data(payload).write(to: big)
            let empty = directory.appendingPathComponent("empty.bin")
            try Data().write(to: empty)
            let server = try MotoServer.start()
            Self.server = server
            credentials = try server.prepare(
                buckets: ["videos", "results", "Legacy_Videos"],
                objects: ["videos/big.bin": big.path, "videos/dir/a b+ü.bin": big.path, "videos/empty.bin": empty.path,
                          "Legacy_Videos/big.bin": big.path],
                enforceAuth: true)
        } catch {
            startFailure = error
        }
    }

    override class func tearDown() {
        server?.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private func store(secret: String? = nil, buckets: Set<String>? = nil, maximumBytes: Int64 = AccessPolicy.defaultMaximumObjectBytes) throws -> ObjectStore {
        if let failure = Self.startFailure { throw failure }
        let server = try XCTUnwrap(Self.server), credentials = try XCTUnwrap(Self.credentials)
        let environment = ["AWS_ACCESS_KEY_ID": credentials.accessKeyId,
                           "AWS_SECRET_ACCESS_KEY": secret ?? credentials.secretAccessKey,
                           "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_S3": server.endpoint]
        return ObjectStore(policy: AccessPolicy(allowedRoots: ["/tmp"], bucketAllowlist: buckets, maximumObjectBytes: maximumBytes),
                           s3: .fromEnvironment(environment))
    }

    private func read(_ reader: ObjectReader, at offset: Int64, count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let copied = try buffer.withUnsafeMutableBytes { try reader.read(at: offset, into: $0) }
        return Array(buffer.prefix(copied))
    }

    func testReadsWholeObjectsWithSignedRequests() throws {
        let store = try store()
        XCTAssertEqual(try store.readAll("s3://videos/big.bin"), Self.payload)
        XCTAssertEqual(try store.readAll("s3://videos/dir/a b+ü.bin").count, Self.payload.count)
        XCTAssertEqual(try store.readAll("s3://videos/empty.bin"), [])
    }

    /// A bucket named by S3's rules before March 2018 (capitals, '_') is read, signed, path-style;
    /// an allow list names it as it is written.
    func testALegacyBucketNameIsRead() throws {
        XCTAssertEqual(try store(buckets: ["Legacy_Videos"]).readAll("s3://Legacy_Videos/big.bin"), Self.payload)
        XCTAssertThrowsError(try store(buckets: ["legacy_videos"]).readAll("s3://Legacy_Videos/big.bin")) { error in
            XCTAssertEqual((error as? ObjectStoreError)?.code, .refusedByPolicy, "\(error)")
        }
    }

    /// Dot segments are part of a key, as S3 reads them: s3://results/../videos/big.bin is the key
    /// "../videos/big.bin" in "results", not a way into "videos" past an allowlist of "results"
    /// (libcurl removed them from the path), and a write under a prefix stays in its bucket.
    func testDotSegmentsStayInTheKey() throws {
        let results = try store(buckets: ["results"])
        XCTAssertThrowsError(try results.readAll("s3://results/../videos/big.bin")) { error in
            XCTAssertEqual((error as? ObjectStoreError)?.code, .notFound, "\(error)")
        }
        try results.write(Array("planted".utf8), to: "s3://results/out/../../videos/planted.json")
        XCTAssertThrowsError(try store().readAll("s3://videos/planted.json")) { error in
            XCTAssertEqual((error as? ObjectStoreError)?.code, .notFound, "\(error)")
        }
        XCTAssertEqual(try results.readAll("s3://results/out/../../videos/planted.json"), Array("planted".utf8))
    }

    func testRangeReadsFetchOnlyWhatIsRead() throws {
        let reader = try store().reader(for: "s3://videos/big.bin")
        XCTAssertEqual(reader.size, Int64(Self.payload.count))
        for offset in [0, 1_000_000, 2_999_000, 262_140] {
            XCTAssertEqual(try read(reader, at: Int64(offset), count: 5000),
                           Array(Self.payload[offset..<min(Self.payload.count, offset + 5000)]), "at \(offset)")
        }
        XCTAssertLessThan(reader.statistics.bytesFetched, Int64(Self.payload.count) / 2,
                          "four small reads must not download the object: \(reader.statistics)")
        XCTAssertEqual(try store().reader(for: "s3://videos/empty.bin").size, 0)
    }

    /// A reader reads one version: an object replaced between two of its ranges is an error that
    /// says so (If-Match on the first answer's ETag), not bytes of two files spliced together.
    func testAnObjectReplacedWhileItIsReadIsAnErrorNotAMixOfVersions() throws {
        let store = try store()
        try store.write(Self.payload, to: "s3://videos/replaced.bin")
        let reader = try store.reader(for: "s3://videos/replaced.bin")
        XCTAssertEqual(try read(reader, at: 0, count: 100), Array(Self.payload[0..<100]))
        try store.write(Self.payload.map { $0 ^ 0xFF }, to: "s3://videos/replaced.bin")
        XCTAssertThrowsError(try read(reader, at: 2_000_000, count: 100)) { error in
            XCTAssertEqual((error as? ObjectStoreError)?.code, .changed, "\(error)")
            XCTAssertTrue("\(error)".contains("replaced while it was read"), "\(error)")
        }
        // A new reader reads the new version.
        XCTAssertEqual(try read(try store.reader(for: "s3://videos/replaced.bin"), at: 2_000_000, count: 100),
                       Array(Self.payload[2_000_000..<2_000_100]).map { $0 ^ 0xFF })
    }

    /// The same when the range read next is the object's last few bytes: S3's 412 error document is
    /// longer than the range, and must not be cut at the range's size (its code was lost with it,
    /// and the replacement came back as a network failure).
    func testAReplacementSeenOnATinyLastRangeIsStillAChange() throws {
        let store = try store()
        // Two 256 KiB blocks (the reader's) and 20 bytes: the last block's range is 20 bytes long.
        let object = Array(Self.payload.prefix(524_308))
        try store.write(object, to: "s3://videos/tail.bin")
        let reader = try store.reader(for: "s3://videos/tail.bin")
        XCTAssertEqual(try read(reader, at: 0, count: 100), Array(object[0..<100]))
        try store.write(object.map { $0 ^ 0xFF }, to: "s3://videos/tail.bin")
        XCTAssertThrowsError(try read(reader, at: 524_288, count: 20)) { error in
            XCTAssertEqual((error as? ObjectStoreError)?.code, .changed, "\(error)")
        }
    }

    func testPrefetchedSpansArriveOverParallelSignedRequests() throws {
        let reader = try store().reader(for: "s3://videos/big.bin", pattern: .scattered)
        // The first beyond the 256 KB the reader fetched on opening.
        let spans: [Range<Int64>] = [300_000..<350_000, 1_500_000..<1_550_000, 1_600_000..<1_620_000, 2_800_000..<2_900_000]
        let before = reader.statistics.requests
        try reader.prefetch(spans)
        // One request per group of spans less than 1 MB apart, sent over several connections at once.
        XCTAssertEqual(reader.statistics.requests - before, 3)
        for span in spans {
            XCTAssertEqual(try read(reader, at: span.lowerBound, count: span.count),
                           Array(Self.payload[Int(span.lowerBound)..<Int(span.upperBound)]))
        }
        XCTAssertEqual(reader.statistics.requests - before, 3, "the reads found every span in the cache")
    }

    func testAWrongSecretIsABadSignature() throws {
        XCTAssertThrowsError(try store(secret: "not-the-secret").readAll("s3://videos/big.bin")) { error in
            let failure = error as? ObjectStoreError
            XCTAssertEqual(failure?.code, .badSignature, "\(error)")
            XCTAssertTrue(failure?.description.hasPrefix("s3://videos/big.bin: access denied") == true, "\(error)")
            XCTAssertTrue(failure?.description.contains("SignatureDoesNotMatch") == true, "\(error)")
        }
    }

    func testMissingKeysAndBucketsAreNotFound() throws {
        let store = try store()
        for uri in ["s3://videos/missing.mp4", "s3://no-such-bucket/x.mp4"] {
            XCTAssertThrowsError(try store.reader(for: uri), uri) { error in
                XCTAssertEqual((error as? ObjectStoreError)?.code, .notFound, "\(error)")
            }
        }
    }

    func testSizeLimitAndBucketAllowlist() throws {
        XCTAssertThrowsError(try store(maximumBytes: 1_000_000).reader(for: "s3://videos/big.bin")) {
            XCTAssertEqual(($0 as? ObjectStoreError)?.code, .tooLarge)
        }
        XCTAssertThrowsError(try store(maximumBytes: 1_000_000).readAll("s3://videos/big.bin")) {
            XCTAssertEqual(($0 as? ObjectStoreError)?.code, .tooLarge)
        }
        XCTAssertThrowsError(try store(buckets: ["results"]).reader(for: "s3://videos/big.bin")) {
            XCTAssertEqual(($0 as? ObjectStoreError)?.code, .refusedByPolicy)
        }
    }

    func testWritesResultsAndReadsThemBack() throws {
        let store = try store()
        let result = Array(#"{"verdict":"safe"}"#.utf8)
        try store.write(result, to: "s3://results/results/clip 1.json")
        XCTAssertEqual(try store.readAll("s3://results/results/clip 1.json"), result)
        XCTAssertThrowsError(try store.write(result, to: "s3://no-such-bucket/r.json")) {
            XCTAssertEqual(($0 as? ObjectStoreError)?.code, .notFound, "\($0)")
        }
    }

    func testAnUnreachableEndpointIsANetworkFailureAfterRetries() throws {
        let port = try FreePort.find()
        let store = ObjectStore(policy: AccessPolicy(allowedRoots: []),
                                s3: .fromEnvironment(["AWS_ENDPOINT_URL_S3": "http://127.0.0.1:\(port)"]))
        XCTAssertThrowsError(try store.readAll("s3://videos/big.bin")) { error in
            XCTAssertEqual((error as? ObjectStoreError)?.code, .network, "\(error)")
            XCTAssertTrue("\(error)".contains("attempts"), "\(error)")
        }
    }
}
