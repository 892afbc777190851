// Ranged GETs of one remote object (S3 or HTTPS), with HTTP errors mapped to the store's error codes.
import Crypto
import Dispatch
import Synchronization

/// One remote object that can be fetched by byte ranges, or whole.
protocol RemoteObject: AnyObject {
    var uri: String { get }
    /// Fetches `range` (clamped by the server to the object's end). Returns the bytes and the object's
    /// total size from Content-Range.
    func fetch(_ range: Range<Int64>) throws -> (bytes: [UInt8], totalSize: Int64)
    /// Fetches several ranges at once over parallel connections, handing each range's bytes (or
    /// why not) to `landing` with its index as it arrives, on the fetching threads; returns when
    /// every range has landed, each once. Safe to call while another thread fetches single ranges:
    /// it never uses the object's own connection.
    func fetch(_ ranges: [Range<Int64>], landing: @escaping (Int, Result<[UInt8], Error>) -> Void)
    /// Fetches the whole object, refusing one over `maximumBytes`.
    func fetchAll(maximumBytes: Int64) throws -> [UInt8]
}

extension RemoteObject {
    /// Fetches several ranges at once (see `fetch(_:landing:)`): their bytes in order, or the first
    /// failure.
    func fetch(_ ranges: [Range<Int64>]) throws -> [[UInt8]] {
        let results = Mutex<[Int: Result<[UInt8], Error>]>([:])
        fetch(ranges) { index, result in results.withLock { $0[index] = result } }
        return try results.withLock { done in try ranges.indices.map { try done[$0]!.get() } }
    }
}

/// The SHA-256 of the empty body, sent with every GET as x-amz-content-sha256.
let emptyPayloadSHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/// The SHA-256 of `bytes`, as lower-case hex.
public func sha256Hex(_ bytes: [UInt8]) -> String {
    hex(SHA256.hash(data: bytes))
}

/// A digest as lower-case hex.
func hex(_ digest: SHA256.Digest) -> String {
    digest.map { byte in
        let hex = String(byte, radix: 16)
        return hex.count == 1 ? "0" + hex : hex
    }.joined()
}

/// Shared by S3 and HTTPS objects: a request template plus the mapping of replies to results.
final class HTTPRemoteObject: RemoteObject {
    let uri: String
    private let pooled: PooledHTTPClient
    private let template: HTTPRequest
    private let isS3: Bool
    /// For S3, the version the opening answer came from (its ETag), which every later range must
    /// match (If-Match, and the ETag each answer carries): a video replaced between two ranges would
    /// otherwise mix bytes of two files, which decode as garbage or, worse, as the wrong frames.
    /// Nil until then. Not for HTTPS: a web farm or CDN may give one file a different strong ETag
    /// per node, and every range after the first would fail.
    private let pinnedVersion = Mutex<String?>(nil)
    /// The object's size as the first answer gave it: an answer giving another is of another
    /// version (for HTTPS, where no version is pinned, the one sign of a replacement there is).
    private let openedSize = Mutex<Int64?>(nil)

    /// Why an S3 request went unsigned (nil: it was signed, or is not to S3).
    private let whyUnsigned: String?

    /// `version`: an S3 ETag to pin from the first request on (nil: the first answer's).
    init(uri: String, client: PooledHTTPClient, template: HTTPRequest, isS3: Bool, whyUnsigned: String? = nil, version: String? = nil) {
        self.uri = uri
        if isS3, let version { pinnedVersion.withLock { $0 = version } }
        self.pooled = client
        self.template = template
        self.isS3 = isS3
        self.whyUnsigned = isS3 && template.signing == nil ? whyUnsigned : nil
    }

    /// Connections one object uses at most when fetching several ranges: each waits mostly on the
    /// server's first byte, so a few in flight hide that latency without loading the CPU.
    static let parallelFetches = 6

    func fetch(_ range: Range<Int64>) throws -> (bytes: [UInt8], totalSize: Int64) {
        try fetch(range, using: pooled.client, pinsVersion: true)
    }

    func fetch(_ ranges: [Range<Int64>], landing: @escaping (Int, Result<[UInt8], Error>) -> Void) {
        let lanes = min(Self.parallelFetches, ranges.count)
        // Idle connections from the pool, returned when this is done. Not the object's own: reads
        // may go on through it meanwhile (a prefetch in the background).
        let siblings = (0..<lanes).map { _ in pooled.sibling() }
        let clients = siblings.map(\.client)
        // Back to the pool only when every lane is done with its client (not at their last use).
        defer { withExtendedLifetime(siblings) {} }
        // A lane's ranges one after another; after a failure the lane's other ranges are not sent
        // (the server or the network is failing), while the other lanes go on.
        let fetchLane = { (lane: Int) in
            var failed = false
            for index in stride(from: lane, to: ranges.count, by: lanes) {
                guard !failed else {
                    landing(index, .failure(ObjectStoreError(.badResponse, uri: self.uri, "a parallel range request was abandoned after another failed")))
                    continue
                }
                let result = Result { try self.fetch(ranges[index], using: clients[lane], pinsVersion: false).bytes }
                if case .failure = result { failed = true }
                landing(index, result)
            }
        }
        // One lane needs no thread of its own.
        if lanes == 1 { fetchLane(0); return }
        let group = DispatchGroup()
        for lane in 0..<lanes {
            // A serial queue of its own per lane: each gets a thread even while the others wait
            // on the network (the global queues' threads are as many as the cores).
            DispatchQueue(label: "range-fetch-\(lane)").async(group: group) { fetchLane(lane) }
        }
        group.wait()
    }

    /// One range. `pinsVersion`: an S3 answer without a pinned version yet pins its ETag (the
    /// reader's opening fetch, which comes before any other).
    private func fetch(_ range: Range<Int64>, using client: HTTPClient, pinsVersion: Bool) throws -> (bytes: [UInt8], totalSize: Int64) {
        var request = template
        request.headers.append("Range: bytes=\(range.lowerBound)-\(range.upperBound - 1)")
        let pinned = pinnedVersion.withLock { $0 }
        if let pinned { request.headers.append("If-Match: \(pinned)") }
        // A server that ignores Range sends everything; never accept more than the range asked for.
        request.maximumBodyBytes = Int64(range.count)
        let response = try client.send(request, uri: uri)
        let etag = response.headers["etag"].flatMap { $0.isEmpty || $0.hasPrefix("W/") ? nil : $0 }
        if isS3, pinsVersion, pinned == nil, (200..<300).contains(response.status), let etag {
            pinnedVersion.withLock { if $0 == nil { $0 = etag } }
        }
        // A server (or a cache before it) that ignored If-Match says which version it sent.
        if let pinned, (200..<300).contains(response.status), let etag, etag != pinned {
            throw Self.replaced(uri, pinned: pinned)
        }
        switch response.status {
        case 206:
            let header = response.headers["content-range"]
            guard let total = Self.totalSize(fromContentRange: header) else {
                throw ObjectStoreError(.badResponse, uri: uri, "206 without a usable Content-Range header")
            }
            // Bytes from elsewhere in the object would be cached as the range asked for.
            guard Self.firstByte(fromContentRange: header) == range.lowerBound else {
                throw ObjectStoreError(.badResponse, uri: uri, "asked for bytes from \(range.lowerBound), the answer's Content-Range is '\(header ?? "")'")
            }
            try checkSize(total)
            return (response.body, total)
        case 200:
            // The whole object fitted in the range: its size is what arrived.
            try checkSize(Int64(response.body.count))
            return (response.body, Int64(response.body.count))
        case 416:
            // Only an empty object has no byte 0; anything else is past the end.
            let total = Self.totalSize(fromContentRange: response.headers["content-range"]) ?? 0
            try checkSize(total)
            return ([], total)
        case 412 where pinned != nil:
            throw Self.replaced(uri, pinned: pinned!)
        default:
            throw failure(response)
        }
    }

    func fetchAll(maximumBytes: Int64) throws -> [UInt8] {
        var request = template
        request.maximumBodyBytes = maximumBytes
        let response: HTTPResponse
        do { response = try pooled.client.send(request, uri: uri) }
        catch let error as ObjectStoreError where error.code == .tooLarge {
            throw ObjectStoreError(.tooLarge, uri: uri, "the object is over the limit of \(maximumBytes) bytes")
        }
        guard response.status == 200 else { throw failure(response) }
        return response.body
    }

    static func replaced(_ uri: String, pinned: String) -> ObjectStoreError {
        ObjectStoreError(.changed, uri: uri, "the object was replaced while it was read (its ETag is no longer \(pinned)); read it again")
    }

    /// Records the size the first answer gives; throws `.changed` when a later one gives another.
    private func checkSize(_ total: Int64) throws {
        let opened = openedSize.withLock { size in
            if size == nil { size = total }
            return size!
        }
        guard total == opened else {
            throw ObjectStoreError(.changed, uri: uri, "the object was replaced while it was read (it was \(opened) bytes, now \(total)); read it again")
        }
    }

    /// "bytes 100-199/1234" → 100; nil for "bytes */1234" or anything else.
    static func firstByte(fromContentRange header: String?) -> Int64? {
        guard let header, header.hasPrefix("bytes "), let dash = header.firstIndex(of: "-") else { return nil }
        return Int64(header[header.index(header.startIndex, offsetBy: 6)..<dash])
    }

    /// "bytes 0-99/1234" or "bytes */1234" → 1234.
    static func totalSize(fromContentRange header: String?) -> Int64? {
        guard let header, let slash = header.lastIndex(of: "/") else { return nil }
        return Int64(header[header.index(after: slash)...])
    }

    private func failure(_ response: HTTPResponse) -> ObjectStoreError {
        Self.error(for: response, uri: uri, isS3: isS3, whyUnsigned: whyUnsigned)
    }

    /// Maps an HTTP error reply (and an S3 error document) to the store's error codes. `whyUnsigned`:
    /// why the request went without credentials, which a refusal should say (nil: it was signed).
    static func error(for response: HTTPResponse, uri: String, isS3: Bool, whyUnsigned: String? = nil) -> ObjectStoreError {
        let code = isS3 ? Self.xmlElement("Code", in: response.body) : nil
        let message = isS3 ? Self.xmlElement("Message", in: response.body) : nil
        let detail = [code, message].compactMap { $0 }.joined(separator: ": ")
        let suffix = detail.isEmpty ? "" : " (\(detail))"
        var error = mappedError(status: response.status, code: code, suffix: suffix, response: response, uri: uri, isS3: isS3,
                                whyUnsigned: whyUnsigned)
        error.s3Code = code
        return error
    }

    private static func mappedError(status: Int, code: String?, suffix: String, response: HTTPResponse, uri: String, isS3: Bool,
                                    whyUnsigned: String?) -> ObjectStoreError {
        switch (status, code) {
        case (403, "SignatureDoesNotMatch"):
            return ObjectStoreError(.badSignature, uri: uri, "HTTP 403\(suffix); check AWS_SECRET_ACCESS_KEY and the clock")
        case (403, "RequestTimeTooSkewed"):
            return ObjectStoreError(.badSignature, uri: uri, "HTTP 403\(suffix); this machine's clock is off by more than S3 allows (15 minutes)")
        case (400, "ExpiredToken"), (400, "TokenRefreshRequired"), (400, "InvalidToken"):
            // Session credentials (AWS_SESSION_TOKEN) outlive their hour on a laptop, never in Lambda.
            return ObjectStoreError(.accessDenied, uri: uri, "HTTP 400\(suffix); the session credentials have expired or are not valid: get fresh ones (`aws sso login`, or `aws configure export-credentials --format env`) and start again")
        case (403, _), (401, _):
            let why = whyUnsigned.map { "; the request went unsigned: \($0)" } ?? ""
            return ObjectStoreError(.accessDenied, uri: uri, "HTTP \(response.status)\(suffix)\(why)")
        case (404, _):
            return ObjectStoreError(.notFound, uri: uri, "HTTP 404\(suffix)")
        case (300..<400, _) where isS3 && response.headers["x-amz-bucket-region"].flatMap(Self.validRegion) != nil,
             (400, "AuthorizationHeaderMalformed") where isS3 && Self.bucketRegion(of: response) != nil:
            // S3's answers for a bucket in another region than the request was signed for: a
            // redirect from another region's endpoint, or a refusal of the signature's region.
            let region = Self.bucketRegion(of: response) ?? ""
            var redirected = ObjectStoreError(.badResponse, uri: uri, "HTTP \(response.status)\(suffix): the bucket is in \(region)")
            redirected.bucketRegion = region
            return redirected
        case (300..<400, _):
            return ObjectStoreError(.badResponse, uri: uri, "HTTP \(response.status) redirect to \(response.headers["location"] ?? "?") is not followed")
        default:
            return ObjectStoreError(.badResponse, uri: uri, "HTTP \(response.status)\(suffix)")
        }
    }

    /// The region S3 names for the bucket: its header, else the error document's `<Region>`.
    static func bucketRegion(of response: HTTPResponse) -> String? {
        (response.headers["x-amz-bucket-region"] ?? xmlElement("Region", in: response.body)).flatMap(validRegion)
    }

    /// `region` if it is a region's name (lower-case letters, digits, '-'), else nil: it goes into
    /// a host name and the signature's scope, where anything else could send the request elsewhere.
    static func validRegion(_ region: String) -> String? {
        !region.isEmpty && region.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }) ? region : nil
    }

    /// The text of the first `<name>` element of an S3 error document.
    static func xmlElement(_ name: String, in body: [UInt8]) -> String? {
        let text = String(decoding: body.prefix(4096), as: UTF8.self)
        guard let open = text.firstRange(of: "<\(name)>"),
              let close = text[open.upperBound...].firstRange(of: "</\(name)>") else { return nil }
        return String(text[open.upperBound..<close.lowerBound])
    }
}
