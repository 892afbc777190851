// A bucket in another region than the function's: S3 refuses the request signed for the function's
// region and names the bucket's; the store sends it again signed for that one, and remembers it.
import Foundation
import TestServers
import XCTest
@testable import ObjectStore

final class BucketRegionTests: XCTestCase {
    /// A server whose bucket is in eu-west-1: a request signed for another region gets S3's
    /// AuthorizationHeaderMalformed (the first time; 403 after, so a store that forgot the region
    /// fails), one signed for eu-west-1 gets "hello" (GET) or 200 (PUT).
    private func euWestServer() throws -> ScriptedHTTPServer {
        let answer = """
            signed_here = "/eu-west-1/s3/aws4_request" in self.headers.get("Authorization", "")
            self.server.refusals = getattr(self.server, "refusals", 0) + (0 if signed_here else 1)
            if self.command == "PUT":
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if signed_here:
                body = b"hello" if self.command == "GET" else b""
                self.send_response(200)
            elif self.server.refusals == 1:
                body = b"<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region 'us-east-1' is wrong; expecting 'eu-west-1'</Message><Region>eu-west-1</Region></Error>"
                self.send_response(400)
            else:
                body = b"<Error><Code>AccessDenied</Code></Error>"
                self.send_response(403)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            """
        return try ScriptedHTTPServer(doGET: answer, doPUT: answer)
    }

    private func store(_ server: ScriptedHTTPServer) -> ObjectStore {
        ObjectStore(policy: AccessPolicy(allowedRoots: []),
                    s3: .fromEnvironment(["AWS_ENDPOINT_URL_S3": server.endpoint, "AWS_REGION": "us-east-1",
                                          "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"]))
    }

    func testAReadIsSignedAgainForTheBucketsRegionAndTheRegionIsRemembered() throws {
        let server = try euWestServer()
        let store = store(server)
        XCTAssertEqual(try store.readAll("s3://videos/clip.mp4"), Array("hello".utf8))
        // Signed for eu-west-1 from the start: a second refusal would be a 403.
        XCTAssertEqual(try store.readAll("s3://videos/other.mp4"), Array("hello".utf8))
        let reader = try store.reader(for: "s3://videos/clip.mp4")
        XCTAssertEqual(reader.size, 5)
    }

    /// A reader's later ranged GETs, past what its opening request fetched, go to the region its
    /// opening learned (the 1 MB object here is served in ranges, eu-west-1 only).
    func testAReadersLaterRangesAreSignedForTheLearnedRegion() throws {
        let server = try ScriptedHTTPServer(doGET: """
            data = bytes(range(251)) * 4000
            signed_here = "/eu-west-1/s3/aws4_request" in self.headers.get("Authorization", "")
            self.server.refusals = getattr(self.server, "refusals", 0) + (0 if signed_here else 1)
            if not signed_here:
                code = b"AuthorizationHeaderMalformed" if self.server.refusals == 1 else b"AccessDenied"
                body = b"<Error><Code>" + code + b"</Code><Region>eu-west-1</Region></Error>"
                self.send_response(400 if self.server.refusals == 1 else 403)
            else:
                asked = re.match(r"bytes=(\\d+)-(\\d+)", self.headers.get("Range", ""))
                start, end = int(asked.group(1)), min(int(asked.group(2)), len(data) - 1)
                body = data[start:end + 1]
                self.send_response(206)
                self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, len(data)))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            """)
        let reader = try store(server).reader(for: "s3://videos/clip.mp4", pattern: .scattered)
        XCTAssertEqual(reader.size, 1_004_000)
        var bytes = [UInt8](repeating: 0, count: 100)
        let count = try bytes.withUnsafeMutableBytes { try reader.read(at: 900_000, into: $0) }
        XCTAssertEqual(count, 100)
        XCTAssertEqual(bytes, (900_000..<900_100).map { UInt8($0 % 251) })
    }

    /// A bucket or an endpoint in an opt-in region: S3 answers IllegalLocationConstraintException
    /// without naming the bucket's region. A HEAD of the bucket learns it (S3's x-amz-bucket-region),
    /// and the read is signed again for it. (It failed as a 400.)
    func testARegionS3DoesNotNameIsAskedWithAHeadOfTheBucket() throws {
        let server = try ScriptedHTTPServer(doGET: """
            if "/ap-east-1/s3/aws4_request" in self.headers.get("Authorization", ""):
                body = b"hello"
                self.send_response(200)
            else:
                body = b"<Error><Code>IllegalLocationConstraintException</Code><Message>The ap-east-1 location constraint is incompatible for the region specific endpoint this request was sent to.</Message></Error>"
                self.send_response(400)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            """, doHEAD: """
            # Only once: a store that forgot the region would not learn it again.
            self.server.heads = getattr(self.server, "heads", 0) + 1
            self.send_response(301 if self.path == "/videos/" and self.server.heads == 1 else 403)
            if self.server.heads == 1:
                self.send_header("x-amz-bucket-region", "ap-east-1")
            self.send_header("Content-Length", "0")
            self.end_headers()
            """)
        let store = store(server)
        XCTAssertEqual(try store.readAll("s3://videos/clip.mp4"), Array("hello".utf8))
        XCTAssertEqual(try store.readAll("s3://videos/other.mp4"), Array("hello".utf8), "the region is remembered")
    }

    func testAWriteIsSignedAgainForTheBucketsRegion() throws {
        let server = try euWestServer()
        XCTAssertNoThrow(try store(server).write(Array("{}".utf8), to: "s3://videos/results/a.json"))
    }

    func testTheURLOfABucketInAnotherRegionIsThatRegions() {
        let aws = S3Configuration(credentials: nil, region: "us-east-1", endpoint: nil)
        XCTAssertEqual(aws.url(bucket: "videos", key: "a.mp4", region: "eu-west-1"), "https://videos.s3.eu-west-1.amazonaws.com/a.mp4")
        XCTAssertEqual(aws.url(bucket: "videos", key: "a.mp4", region: "cn-northwest-1"), "https://videos.s3.cn-northwest-1.amazonaws.com.cn/a.mp4")
    }
}
