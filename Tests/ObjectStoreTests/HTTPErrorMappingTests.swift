// How error answers map to the store's errors and what their messages tell the user to do.
import Foundation
import TestServers
import XCTest
@testable import ObjectStore

final class HTTPErrorMappingTests: XCTestCase {
    private func error(_ status: Int, headers: [String: String] = [:], body: String = "", isS3: Bool = true, whyUnsigned: String? = nil) -> ObjectStoreError {
        HTTPRemoteObject.error(for: HTTPResponse(status: status, headers: headers, body: Array(body.utf8)), uri: "s3://videos/a.mp4",
                               isS3: isS3, whyUnsigned: whyUnsigned)
    }

    /// S3 answers a request signed for the wrong region with 301, no Location, and the bucket's region.
    func testABucketInAnotherRegionSaysWhichRegion() {
        let moved = error(301, headers: ["x-amz-bucket-region": "eu-west-1"],
                          body: "<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message></Error>")
        XCTAssertEqual(moved.code, .badResponse)
        XCTAssertTrue("\(moved)".contains("the bucket is in eu-west-1"), "\(moved)")
        XCTAssertEqual(moved.bucketRegion, "eu-west-1", "the store sends the request again there")
        // Signed for the wrong region at the right endpoint: the region is in the error document.
        let misSigned = error(400, body: "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region 'us-east-1' is wrong; expecting 'ap-south-1'</Message><Region>ap-south-1</Region></Error>")
        XCTAssertEqual(misSigned.bucketRegion, "ap-south-1")
        XCTAssertNil(error(400, body: "<Error><Code>InvalidArgument</Code></Error>").bucketRegion)
        // A region goes into a host name: only a region's characters are taken.
        XCTAssertNil(error(301, headers: ["x-amz-bucket-region": "evil.example/x"]).bucketRegion)
        XCTAssertNil(error(301, headers: ["x-amz-bucket-region": ""]).bucketRegion)
        XCTAssertTrue("\(moved)".contains("PermanentRedirect"), "\(moved)")
        // Any other redirect is named as one, and not followed.
        XCTAssertTrue("\(error(302, headers: ["location": "https://elsewhere/"], isS3: false))".contains("redirect to https://elsewhere/"))
    }

    func testStatusesAndS3CodesMapToTheStoresCodes() {
        XCTAssertEqual(error(404, body: "<Error><Code>NoSuchKey</Code></Error>").code, .notFound)
        XCTAssertEqual(error(403, body: "<Error><Code>SignatureDoesNotMatch</Code></Error>").code, .badSignature)
        XCTAssertEqual(error(403, body: "<Error><Code>AccessDenied</Code></Error>").code, .accessDenied)
        XCTAssertEqual(error(503, body: "<Error><Code>SlowDown</Code></Error>").code, .badResponse)
        let skewed = error(403, body: "<Error><Code>RequestTimeTooSkewed</Code></Error>")
        XCTAssertEqual(skewed.code, .badSignature)
        XCTAssertTrue("\(skewed)".contains("clock"), "\(skewed)")
        // Session credentials past their hour: refused, saying how to renew them (was a bare 400).
        for code in ["ExpiredToken", "TokenRefreshRequired", "InvalidToken"] {
            let expired = error(400, body: "<Error><Code>\(code)</Code><Message>The provided token has expired.</Message></Error>")
            XCTAssertEqual(expired.code, .accessDenied, code)
            XCTAssertTrue("\(expired)".contains("session credentials have expired") && "\(expired)".contains(code), "\(expired)")
        }
    }

    /// A refusal of a request sent without credentials says so: the usual cause is a shell or a
    /// container that provides them some other way.
    func testARefusedUnsignedRequestSaysItWasUnsigned() {
        let unsigned = error(403, body: "<Error><Code>AccessDenied</Code></Error>", whyUnsigned: S3Configuration.fromEnvironment([:]).whyUnsigned)
        XCTAssertEqual(unsigned.code, .accessDenied)
        XCTAssertTrue("\(unsigned)".contains("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"), "\(unsigned)")
        XCTAssertFalse("\(error(403, body: "<Error><Code>AccessDenied</Code></Error>"))".contains("unsigned"))
    }

    /// An error page longer than the range asked for (and than the 64 KiB kept of it) still maps by
    /// its status: a server answering 404 with a 600 KB page is "not found", not a network failure.
    func testALongErrorPageKeepsItsStatus() throws {
        let server = try ScriptedHTTPServer(doGET: """
            body = b"<html>" + b"x" * 600000 + b"</html>"
            self.send_response(404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            """)
        let store = ObjectStore(policy: AccessPolicy(allowedRoots: []),
                                s3: S3Configuration(credentials: nil, region: "us-east-1", endpoint: server.endpoint))
        XCTAssertThrowsError(try store.reader(for: "s3://videos/a.mp4")) { error in
            XCTAssertEqual((error as? ObjectStoreError)?.code, .notFound, "\(error)")
        }
    }
}
