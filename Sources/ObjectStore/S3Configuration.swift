// Where S3 is and who we are to it, from the environment Lambda (or a developer's shell) provides.

/// The keys a request is signed with (SigV4). Printed or dumped, it shows the key id only.
struct AWSCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    var accessKeyID: String
    var secretAccessKey: String
    var sessionToken: String?

    var description: String { "AWSCredentials(accessKeyID: \(accessKeyID), secret and token redacted)" }
    var debugDescription: String { description }
    var customMirror: Mirror { Mirror(self, children: ["accessKeyID": accessKeyID]) }
}

/// Region, endpoint and credentials for S3 requests.
public struct S3Configuration: Sendable {
    var credentials: AWSCredentials?
    public var region: String
    /// An endpoint override (a local S3 such as moto_server); requests then use path-style URLs.
    public var endpoint: String?
    /// Why requests go unsigned when there are no credentials, for the message of a refusal.
    var whyUnsigned = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"

    init(credentials: AWSCredentials?, region: String, endpoint: String?) {
        self.credentials = credentials
        self.region = region
        self.endpoint = endpoint
    }

    /// As the AWS CLI settles them: keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
    /// AWS_SESSION_TOKEN, else from the shared files' profile (`SharedProfile`); the region from
    /// AWS_REGION, else AWS_DEFAULT_REGION, else the profile's, else us-east-1; the endpoint from
    /// AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else the profile's `endpoint_url`. The files are
    /// read only for what the environment leaves open.
    public static func fromEnvironment(_ environment: [String: String]) -> S3Configuration {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        var credentials: AWSCredentials? = nil
        if let key = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY") {
            // AWS_SECURITY_TOKEN is the older name, which the AWS CLI still reads (first, as here).
            credentials = AWSCredentials(accessKeyID: key, secretAccessKey: secret,
                                         sessionToken: value("AWS_SECURITY_TOKEN") ?? value("AWS_SESSION_TOKEN"))
        }
        let regionSet = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION")
        var endpoint = value("AWS_ENDPOINT_URL_S3") ?? value("AWS_ENDPOINT_URL")
        let profile = credentials == nil || regionSet == nil || endpoint == nil ? SharedProfile.load(environment: environment) : nil
        if credentials == nil { credentials = profile?.credentials }
        if endpoint == nil { endpoint = profile?.endpoint }
        while endpoint?.hasSuffix("/") == true { endpoint?.removeLast() }
        var configuration = S3Configuration(credentials: credentials, region: regionSet ?? profile?.region ?? "us-east-1",
                                            endpoint: endpoint)
        if credentials == nil, let profile { configuration.whyUnsigned += ", and \(profile.whyNoCredentials)" }
        return configuration
    }

    /// The request URL of an object (in `region`, by default the configured one): path-style under an overridden endpoint (local servers have no
    /// per-bucket host names), for bucket names with dots (they break the TLS wildcard) and for
    /// legacy names (upper case, '_': no host name), else virtual-hosted style as AWS recommends.
    func url(bucket: String, key: String, region: String? = nil) -> String {
        let path = Self.encodedKey(key)
        let region = region ?? self.region
        if let endpoint { return "\(endpoint)/\(bucket)/\(path)" }
        if bucket.contains(".") || !ObjectURI.isCurrentBucketName(bucket) { return "https://s3.\(region).\(Self.domain(region))/\(bucket)/\(path)" }
        return "https://\(bucket).s3.\(region).\(Self.domain(region))/\(path)"
    }

    /// AWS's domain in the region's partition: China's regions have their own.
    private static func domain(_ region: String) -> String { region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com" }

    /// URI-encodes every byte of the key except unreserved characters and '/', as SigV4's canonical
    /// request expects the path.
    static func encodedKey(_ key: String) -> String {
        var encoded = ""
        for byte in key.utf8 {
            switch byte {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E, 0x5F, 0x7E, 0x2F:
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return encoded
    }
}
