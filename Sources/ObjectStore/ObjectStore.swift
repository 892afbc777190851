// The object store's one entry point: a URI in, a policy-checked random-access reader (or bytes) out.
import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch
import Glibc
import Synchronization

/// Opens objects named by URIs — `s3://bucket/key`, `https://...`, `file:///path` or a plain path —
/// after checking them against the access policy.
public final class ObjectStore: Sendable {
    public let policy: AccessPolicy
    public let s3: S3Configuration
    /// A CA bundle to trust for HTTPS and S3 instead of the system's.
    public let caBundle: String?
    private let pool = HTTPClientPool()
    /// The deadline requests get while `withDeadline` runs (one invocation at a time per process).
    private let currentDeadline = Mutex<DispatchTime?>(nil)
    /// Buckets S3 said are in another region than `s3.region`, and theirs: requests to them are
    /// sent to and signed for that region.
    private let bucketRegions = Mutex<[String: String]>([:])

    public init(policy: AccessPolicy, s3: S3Configuration, caBundle: String? = nil) {
        self.policy = policy
        self.s3 = s3
        self.caBundle = caBundle
    }

    /// The store a function uses: policy and S3 settings from the process environment.
    public static func fromEnvironment(functionsDirectory: String? = nil) -> ObjectStore {
        let environment = ProcessInfo.processInfo.environment
        return ObjectStore(policy: .fromEnvironment(environment, functionsDirectory: functionsDirectory),
                           s3: .fromEnvironment(environment),
                           caBundle: caBundle(in: environment))
    }

    /// The CA bundle the environment names for HTTPS and S3, as curl and OpenSSL read it.
    public static func caBundle(in environment: [String: String]) -> String? {
        environment["CURL_CA_BUNDLE"] ?? environment["SSL_CERT_FILE"]
    }

    /// Runs `body` with every request the store starts meanwhile (and the background prefetches of
    /// readers opened meanwhile) bounded by `deadline`: no attempt starts after it and none runs past
    /// it; such a request fails with `.deadline`. A function sets its invocation's deadline, less the
    /// time to answer, so that a stalled server cannot run it into Lambda's timeout.
    public func withDeadline<T>(_ deadline: DispatchTime?, _ body: () throws -> T) rethrows -> T {
        let previous = currentDeadline.withLock { current in
            defer { current = deadline }
            return current
        }
        defer { currentDeadline.withLock { $0 = previous } }
        return try body()
    }

    /// The deadline of the requests started now (nil outside `withDeadline`).
    private var requestDeadline: DispatchTime? { currentDeadline.withLock { $0 } }

    /// A reader for random access: files are read in place, remote objects by ranged GETs through a
    /// block cache sized for `pattern`, never downloaded whole. `expectedETag` (S3 only, quoted as
    /// the header gives it): the version to read, as an S3 notification names it; when the object
    /// has been replaced since, the first read fails as `.changed` (S3's 412 to If-Match).
    public func reader(for uri: String, pattern: ReadPattern = .sequential, expectedETag: String? = nil) throws -> ObjectReader {
        switch try ObjectURI(parsing: uri) {
        case .file(let path):
            let real = try policy.checkFile(path, uri: uri)
            return try FileObjectReader(uri: uri, realPath: real, maximumBytes: policy.maximumObjectBytes)
        case .https, .s3:
            return try inBucketRegion(uri) {
                try RangeObjectReader(object: try remoteObject(uri, expectedETag: expectedETag), maximumBytes: policy.maximumObjectBytes,
                                      blockSize: pattern.blockSize, cacheBytes: pattern.cacheBytes,
                                      maximumReadAheadBytes: pattern.maximumReadAheadBytes, openingBytes: pattern.openingBytes)
            }
        }
    }

    /// The whole object in memory (a model, a small JSON file), refusing one over the size limit.
    public func readAll(_ uri: String) throws -> [UInt8] {
        switch try ObjectURI(parsing: uri) {
        case .file:
            let reader = try self.reader(for: uri)
            var bytes = [UInt8](repeating: 0, count: Int(reader.size))
            let count = try bytes.withUnsafeMutableBytes { try reader.read(at: 0, into: $0) }
            guard count == bytes.count else {
                throw ObjectStoreError(.io, uri: uri, "the file shrank while it was read (\(count) of \(bytes.count) bytes)")
            }
            return bytes
        case .https, .s3:
            return try inBucketRegion(uri) { try remoteObject(uri).fetchAll(maximumBytes: policy.maximumObjectBytes) }
        }
    }

    /// Writes `bytes` as the object at `uri` (an S3 object, or a file under an allowed root).
    public func write(_ bytes: [UInt8], to uri: String, contentType: String = "application/json") throws {
        switch try ObjectURI(parsing: uri) {
        case .file(let path):
            try FileWriter.write(bytes, to: path, uri: uri, policy: policy)
        case .https:
            throw Self.httpsWriteRefused(uri)
        case .s3(let bucket, let key):
            try policy.checkBucket(bucket, uri: uri)
            try inBucketRegion(uri) { try put(bytes, bucket: bucket, key: key, uri: uri, contentType: contentType) }
        }
    }

    /// One PutObject of `bytes`.
    private func put(_ bytes: [UInt8], bucket: String, key: String, uri: String, contentType: String) throws {
        let digest = SHA256.hash(data: bytes)
        var request = s3Request(bucket: bucket, key: key, uri: uri, payloadHash: hex(digest))
        request.method = "PUT"
        request.body = bytes
        request.headers.append("Content-Type: \(contentType)")
        // S3 checks the body against it and keeps it with the object; a bucket with Object Lock
        // refuses a PutObject without one.
        request.headers.append("x-amz-checksum-sha256: \(Data(digest).base64EncodedString())")
        let pooled = PooledHTTPClient(pool: pool)
        let response = try pooled.client.send(request, uri: uri)
        guard response.status == 200 else {
            // Reuse the reply mapping of reads: the error documents are the same.
            throw HTTPRemoteObject.error(for: response, uri: uri, isS3: true, whyUnsigned: request.signing == nil ? s3.whyUnsigned : nil)
        }
    }

    /// Checks, writing nothing, what `write` would check of `uri` before it sends a byte: that it
    /// parses, is not HTTPS, and names a bucket the policy allows, or a file whose nearest existing
    /// directory lies under an allowed root. A function checks its OUTPUT_URI this way at init,
    /// instead of analysing every video only to fail storing the result.
    public func checkWritable(_ uri: String) throws {
        switch try ObjectURI(parsing: uri) {
        case .file(let path):
            try FileWriter.checkWritable(path, uri: uri, policy: policy)
        case .https:
            throw Self.httpsWriteRefused(uri)
        case .s3(let bucket, _):
            try policy.checkBucket(bucket, uri: uri)
        }
    }

    private static func httpsWriteRefused(_ uri: String) -> ObjectStoreError {
        ObjectStoreError(.refusedByPolicy, uri: uri, "results are written to s3:// or file:// URIs, not HTTPS")
    }

    private func remoteObject(_ uri: String, expectedETag: String? = nil) throws -> HTTPRemoteObject {
        switch try ObjectURI(parsing: uri) {
        case .file:
            preconditionFailure("files are not remote")
        case .https(let url, let host, let port):
            let address = try policy.checkHTTPSHost(host, port: port, uri: uri)
            let literal = address.bytes.count == 16 ? "[\(address.text)]" : address.text
            // The address checked is the one connected to: a name is pinned to it, so that a
            // second lookup cannot give another. An address in the URI has no lookup to pin (and
            // libcurl refuses an IPv6 one as a CURLOPT_RESOLVE name).
            let pin = NetworkAddress(literal: host) == nil ? "\(host):\(port):\(literal)" : nil
            var request = HTTPRequest(url: url, pinnedResolve: pin, httpsOnly: true, caBundle: caBundle)
            request.deadline = requestDeadline
            return HTTPRemoteObject(uri: uri, client: PooledHTTPClient(pool: pool), template: request, isS3: false)
        case .s3(let bucket, let key):
            try policy.checkBucket(bucket, uri: uri)
            let request = s3Request(bucket: bucket, key: key, uri: uri, payloadHash: emptyPayloadSHA256)
            return HTTPRemoteObject(uri: uri, client: PooledHTTPClient(pool: pool), template: request, isS3: true,
                                    whyUnsigned: s3.whyUnsigned, version: expectedETag)
        }
    }

    /// Runs `body`; when S3 says the bucket is in another region than the request was signed for,
    /// remembers the bucket's region and runs it once more, sent to and signed for that region.
    /// (Lambda sets AWS_REGION to the function's own; an event may name a bucket anywhere.)
    private func inBucketRegion<T>(_ uri: String, _ body: () throws -> T) throws -> T {
        guard case .s3(let bucket, _)? = try? ObjectURI(parsing: uri) else { return try body() }
        // The region this attempt is signed for, read before it: another request may learn the
        // bucket's region meanwhile, and this one must still try again.
        let tried = region(of: bucket)
        do {
            return try body()
        } catch let error as ObjectStoreError {
            let named = error.bucketRegion ?? (error.s3Code == "IllegalLocationConstraintException" ? askedRegion(of: bucket, uri: uri) : nil)
            guard let region = named, region != tried else { throw error }
            bucketRegions.withLock { $0[bucket] = region }
            return try body()
        }
    }

    /// The region S3 gives for `bucket` with its answer to a HEAD of the bucket (a redirect or a
    /// refusal alike carry it), as the AWS SDKs ask when a request to a bucket or an endpoint in an
    /// opt-in region (ap-east-1, me-central-1...) gets IllegalLocationConstraintException, which
    /// names none; nil when S3 does not say.
    private func askedRegion(of bucket: String, uri: String) -> String? {
        var request = s3Request(bucket: bucket, key: "", uri: uri, payloadHash: emptyPayloadSHA256)
        request.method = "HEAD"
        guard let response = try? PooledHTTPClient(pool: pool).client.send(request, uri: uri) else { return nil }
        return response.headers["x-amz-bucket-region"].flatMap(HTTPRemoteObject.validRegion)
    }

    /// The region requests to `bucket` go to and are signed for.
    private func region(of bucket: String) -> String {
        bucketRegions.withLock { $0[bucket] } ?? s3.region
    }

    private func s3Request(bucket: String, key: String, uri: String, payloadHash: String) -> HTTPRequest {
        let region = region(of: bucket)
        var request = HTTPRequest(url: s3.url(bucket: bucket, key: key, region: region), region: region, caBundle: caBundle)
        request.deadline = requestDeadline
        request.headers.append("x-amz-content-sha256: \(payloadHash)")
        if let credentials = s3.credentials {
            request.signing = credentials
            if let token = credentials.sessionToken { request.headers.append("x-amz-security-token: \(token)") }
        }
        return request
    }
}
