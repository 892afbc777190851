// URI parsing: the schemes events may use, and the malformed ones they must not.
import XCTest
@testable import ObjectStore

final class ObjectURITests: XCTestCase {
    func testParsesEachScheme() throws {
        XCTAssertEqual(try ObjectURI(parsing: "s3://my-bucket/videos/a b.mp4"), .s3(bucket: "my-bucket", key: "videos/a b.mp4"))
        XCTAssertEqual(try ObjectURI(parsing: "https://example.com/v.mp4?x=1"), .https(url: "https://example.com/v.mp4?x=1", host: "example.com", port: 443))
        XCTAssertEqual(try ObjectURI(parsing: "https://Example.com:8443/v"), .https(url: "https://Example.com:8443/v", host: "example.com", port: 8443))
        XCTAssertEqual(try ObjectURI(parsing: "https://[::1]:9000/v"), .https(url: "https://[::1]:9000/v", host: "::1", port: 9000))
        XCTAssertEqual(try ObjectURI(parsing: "file:///tmp/a%20b.mp4"), .file(path: "/tmp/a b.mp4"))
        XCTAssertEqual(try ObjectURI(parsing: "file://localhost/tmp/x"), .file(path: "/tmp/x"))
        // The form without an authority (RFC 8089) was read as a relative path named "file:".
        XCTAssertEqual(try ObjectURI(parsing: "file:/tmp/a%20b.mp4"), .file(path: "/tmp/a b.mp4"))
        XCTAssertEqual(try ObjectURI(parsing: "clips/x.mp4"), .file(path: "clips/x.mp4"))
        // A key starting with a combining mark: the '/' before it is still where the key begins.
        XCTAssertEqual(try ObjectURI(parsing: "s3://inbox/\u{301}a.mp4"), .s3(bucket: "inbox", key: "\u{301}a.mp4"))
        // A bucket S3 named in us-east-1 before March 2018 may have capitals and '_' (it was refused).
        XCTAssertEqual(try ObjectURI(parsing: "s3://Legacy_Videos/a.mp4"), .s3(bucket: "Legacy_Videos", key: "a.mp4"))
    }

    func testRejectsMalformedURIsWithTheReason() {
        let cases: [(String, String)] = [
            ("", "empty"),
            ("s3://bucket-only", "needs a key"),
            ("s3://Bad_Bucket_/key", "not a valid bucket name"),
            ("s3://ab/key", "not a valid bucket name"),
            ("s3://bad bucket/key", "not a valid bucket name"),
            // S3's other rules, which used to be found out by three attempts at an impossible host.
            ("s3://a..b/key", "not a valid bucket name"),
            ("s3://bucket-/key", "not a valid bucket name"),
            ("s3://bucket./key", "not a valid bucket name"),
            ("s3://bucket/", "needs a key"),
            ("http://example.com/v.mp4", "scheme 'http' is not supported"),
            ("ftp://example.com/v.mp4", "scheme 'ftp'"),
            ("https://user:pw@example.com/v", "credentials"),
            ("https://example.com:99999/v", "is not a port"),
            ("https://example.com/my video.mp4", "percent-encode it as %20"),
            ("file://otherhost/etc/passwd", "local absolute path"),
            ("file:///tmp/a%00b", "NUL"),
            ("file:///tmp/a%zzb", "bad percent escape"),
            ("file:///tmp/a%-0b", "bad percent escape"),
            ("file:///tmp/a%E9b", "escaped bytes are not UTF-8"),
            ("/tmp/a\nb", "control characters"),
        ]
        for (text, reason) in cases {
            XCTAssertThrowsError(try ObjectURI(parsing: text), text) { error in
                let failure = error as? ObjectStoreError
                XCTAssertEqual(failure?.code, .invalidURI, text)
                XCTAssertTrue(failure?.description.contains(reason) == true, "\(text): \(String(describing: failure))")
            }
        }
    }

    func testPercentDecoding() {
        XCTAssertEqual(ObjectURI.percentDecoding("caf%C3%A9 au lait%2Bmilk.mp4"), "café au lait+milk.mp4")
        XCTAssertEqual(ObjectURI.percentDecoding("no escapes"), "no escapes")
        XCTAssertEqual(ObjectURI.percentDecoding("100%"), nil, "an escape cut short")
        XCTAssertEqual(ObjectURI.percentDecoding("%4"), nil)
        XCTAssertEqual(ObjectURI.percentDecoding("%G1"), nil)
        XCTAssertEqual(ObjectURI.percentDecoding("a%+41"), nil, "a sign is not a hex digit")
        XCTAssertEqual(ObjectURI.percentDecoding("%-0"), nil)
        XCTAssertEqual(ObjectURI.percentDecoding("%2b%2B"), "++", "either case")
        XCTAssertEqual(ObjectURI.percentDecoding("latin-1 %E9"), nil, "bytes that are not UTF-8")
    }

    func testEncodesS3KeysForTheCanonicalRequest() {
        XCTAssertEqual(S3Configuration.encodedKey("a b/ü+x.mp4"), "a%20b/%C3%BC%2Bx.mp4")
        let local = S3Configuration(credentials: nil, region: "eu-west-1", endpoint: "http://127.0.0.1:5000")
        XCTAssertEqual(local.url(bucket: "b1b", key: "k"), "http://127.0.0.1:5000/b1b/k")
        let aws = S3Configuration(credentials: nil, region: "eu-west-1", endpoint: nil)
        XCTAssertEqual(aws.url(bucket: "videos", key: "a.mp4"), "https://videos.s3.eu-west-1.amazonaws.com/a.mp4")
        XCTAssertEqual(aws.url(bucket: "my.videos", key: "a.mp4"), "https://s3.eu-west-1.amazonaws.com/my.videos/a.mp4")
        // A legacy name is no host name: path-style.
        XCTAssertEqual(aws.url(bucket: "Legacy_Videos", key: "a.mp4"), "https://s3.eu-west-1.amazonaws.com/Legacy_Videos/a.mp4")
        // China's regions are in a partition of their own, with its own domain.
        let china = S3Configuration(credentials: nil, region: "cn-north-1", endpoint: nil)
        XCTAssertEqual(china.url(bucket: "videos", key: "a.mp4"), "https://videos.s3.cn-north-1.amazonaws.com.cn/a.mp4")
    }

    func testReadsS3SettingsFromTheEnvironment() {
        let configuration = S3Configuration.fromEnvironment([
            "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
            "AWS_REGION": "ap-south-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:1/", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:2/"])
        XCTAssertEqual(configuration.region, "ap-south-1")
        XCTAssertEqual(configuration.endpoint, "http://127.0.0.1:2")
        XCTAssertEqual(configuration.credentials?.sessionToken, "token")
        XCTAssertNil(S3Configuration.fromEnvironment(["AWS_ACCESS_KEY_ID": "AKID"]).credentials)
        XCTAssertEqual(S3Configuration.fromEnvironment([:]).region, "us-east-1")
    }
}
