// Videos read from S3 (moto_server on loopback, signatures checked) by range: only what decoding needs.
import Foundation
import ObjectStore
import TestServers
import VideoIO
import XCTest

final class S3VideoTests: XCTestCase {
    private static var server: MotoServer?
    private static var credentials: MotoServer.Credentials?
    private static var startFailure: Error?

    override class func setUp() {
        let long = TestVideos.directory.appendingPathComponent("long_720p.mp4").path
        let short = TestVideos.directory.appendingPathComponent("h264.mp4").path
        guard FileManager.default.fileExists(atPath: long), FileManager.default.fileExists(atPath: short) else { return }
        do {
            let server = try MotoServer.start()
            Self.server = server
            credentials = try server.prepare(buckets: ["videos"], objects: ["videos/long_720p.mp4": long, "videos/h264.mp4": short],
                                             enforceAuth: true)
        } catch {
            startFailure = error
        }
    }

    override class func tearDown() {
        server?.stop()
    }

    private func store(secret: String? = nil) throws -> ObjectStore {
        _ = try TestVideos.path("long_720p.mp4")
        if let startFailure = Self.startFailure { throw startFailure }
        let server = try XCTUnwrap(Self.server), credentials = try XCTUnwrap(Self.credentials)
        return ObjectStore(policy: AccessPolicy(allowedRoots: []), s3: .fromEnvironment([
            "AWS_ACCESS_KEY_ID": credentials.accessKeyId, "AWS_SECRET_ACCESS_KEY": secret ?? credentials.secretAccessKey,
            "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_S3": server.endpoint]))
    }

    func testSixteenSamplesOfALongVideoFetchASmallFraction() throws {
        let reader = try VideoReader(uri: "s3://videos/long_720p.mp4", store: store())
        let batch = try reader.frames(.uniform(count: 16))
        XCTAssertEqual(batch.frames.count, 16)
        XCTAssertEqual(batch.missing, [])
        let fetched = reader.readStatistics.bytesFetched
        let size: Int64 = 50_066_596
        let share = Double(fetched) / Double(size)
        print("S3: 16 uniform samples of long_720p.mp4 fetched \(fetched) of \(size) bytes (\(String(format: "%.2f", share * 100))%) in \(reader.readStatistics.requests) range requests")
        XCTAssertLessThan(share, 0.05, "\(reader.readStatistics)")
    }

    func testS3FramesAreTheLocalFrames() throws {
        let remote = try VideoReader(uri: "s3://videos/h264.mp4", store: store()).frames(at: [0.5, 7.2])
        let local = try TestVideos.open("h264.mp4").frames(at: [0.5, 7.2])
        XCTAssertEqual(remote.frames.map(\.timestamp), local.frames.map(\.timestamp))
        for (a, b) in zip(remote.frames, local.frames) {
            XCTAssertEqual(try a.rgb(width: 64, height: 36), try b.rgb(width: 64, height: 36))
        }
    }

    func testABadSignatureComesOutAsTheObjectStoreError() throws {
        XCTAssertThrowsError(try VideoReader(uri: "s3://videos/h264.mp4", store: store(secret: "wrong"))) { error in
            XCTAssertEqual((error as? ObjectStoreError)?.code, .badSignature, "\(error)")
        }
    }
}
