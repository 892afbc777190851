// The one error type of the object store: what went wrong, with which URI, in words a user can act on.

/// A failure to open or read an object. `description` names the URI and the cause.
public struct ObjectStoreError: Error, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        /// The URI does not parse, or names a scheme we do not read.
        case invalidURI
        /// The object (or its bucket) does not exist: HTTP 404, or no such file.
        case notFound
        /// The server refused the credentials or the caller lacks permission: HTTP 403.
        case accessDenied
        /// S3 computed a different signature: usually a wrong AWS_SECRET_ACCESS_KEY or a clock skew.
        case badSignature
        /// The access policy forbids this URI (a path outside the allowed roots, a private address...).
        case refusedByPolicy
        /// The object is larger than the policy's maximum size.
        case tooLarge
        /// The network failed, or the server kept answering 5xx, after bounded retries.
        case network
        /// A local read failed for a reason other than absence (permissions, I/O error).
        case io
        /// A local path names something other than a regular file (a directory, a FIFO, a device).
        case notAFile
        /// A local result file could not be written (a directory in the way, no space, permissions).
        case writeFailed
        /// The server answered something we cannot use (no size, a malformed range reply).
        case badResponse
        /// The deadline the caller set (`ObjectStore.withDeadline`) came before the request could finish.
        case deadline
        /// The object was replaced while it was read (its ETag no longer matches, HTTP 412): the
        /// bytes read so far belong to another version. Reading it again reads the new one.
        case changed
    }

    public let code: Code
    public let uri: String
    public let reason: String
    /// The region S3 says the bucket is in, when it refused a request signed for another one.
    public internal(set) var bucketRegion: String?
    /// S3's own error code (`NoSuchKey`, `NoSuchBucket`, ...), when S3 answered with one.
    public internal(set) var s3Code: String?

    public init(_ code: Code, uri: String, _ reason: String) {
        self.code = code
        self.uri = uri
        self.reason = reason
    }

    public var description: String {
        let what: String
        switch code {
        case .invalidURI: what = "invalid URI"
        case .notFound: what = "not found"
        case .accessDenied: what = "access denied"
        case .badSignature: what = "access denied (bad signature)"
        case .refusedByPolicy: what = "refused by policy"
        case .tooLarge: what = "too large"
        case .network: what = "network failure"
        case .io: what = "read failed"
        case .writeFailed: what = "write failed"
        case .notAFile: what = "not a file"
        case .badResponse: what = "unusable response"
        case .deadline: what = "out of time"
        case .changed: what = "changed while read"
        }
        return "\(uri): \(what): \(reason)"
    }
}
