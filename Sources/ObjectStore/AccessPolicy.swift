// What an untrusted event may make us read: local roots, HTTPS hosts, S3 buckets, and a size limit.
import Glibc

/// The rules every URI passes before a byte is read. Events are untrusted input: without this an
/// event could ask for `/proc/self/environ` (the function's credentials) or for the instance metadata
/// service at 169.254.169.254.
public struct AccessPolicy: Sendable {
    /// Directories whose files may be read (after symlinks are resolved).
    public var allowedRoots: [String]
    /// HTTPS hosts that may resolve to private or loopback addresses (e.g. a test server). Other hosts
    /// must resolve only to public addresses.
    public var privateHostAllowlist: Set<String>
    /// When set, only these buckets may be read or written.
    public var bucketAllowlist: Set<String>?
    /// Objects larger than this are refused before they are read.
    public var maximumObjectBytes: Int64
    /// host:port of the Lambda Runtime API, never reachable through an event's URI.
    public var runtimeAPIAddress: String?
    /// Whether events may name HTTPS videos at all. A function whose videos all come from S3 turns
    /// it off: whoever may invoke it then cannot make it download from any public host.
    public var allowsHTTPS = true

    public static let defaultMaximumObjectBytes: Int64 = 4 << 30

    public init(allowedRoots: [String], privateHostAllowlist: Set<String> = [], bucketAllowlist: Set<String>? = nil,
                maximumObjectBytes: Int64 = defaultMaximumObjectBytes, runtimeAPIAddress: String? = nil) {
        self.allowedRoots = allowedRoots
        self.privateHostAllowlist = privateHostAllowlist
        self.bucketAllowlist = bucketAllowlist
        self.maximumObjectBytes = maximumObjectBytes
        self.runtimeAPIAddress = runtimeAPIAddress
    }

    /// The policy a function runs with: LAMBDA_TASK_ROOT, /tmp and `functionsDirectory`, plus what the
    /// deployment adds through VIDEO_LAMBDA_ALLOWED_ROOTS (':'-separated), VIDEO_LAMBDA_ALLOWED_HOSTS and
    /// VIDEO_LAMBDA_ALLOWED_BUCKETS (','-separated), VIDEO_LAMBDA_MAX_OBJECT_BYTES and
    /// VIDEO_LAMBDA_ALLOW_HTTPS (unset, true, 1, yes or on: HTTPS URIs are read; anything else: not).
    public static func fromEnvironment(_ environment: [String: String], functionsDirectory: String? = nil) -> AccessPolicy {
        var roots = ["/tmp"]
        if let taskRoot = environment["LAMBDA_TASK_ROOT"], !taskRoot.isEmpty { roots.append(taskRoot) }
        if let functionsDirectory { roots.append(functionsDirectory) }
        roots += (environment["VIDEO_LAMBDA_ALLOWED_ROOTS"] ?? "").split(separator: ":").map(String.init)
        func list(_ name: String) -> [String] {
            (environment[name] ?? "").split(separator: ",").map { String($0.trimmingSpaces()) }.filter { !$0.isEmpty }
        }
        // Host names are compared case-blind; bucket names as written (a legacy bucket's capitals
        // are its own: 'Videos' and 'videos' may be two buckets).
        let buckets = list("VIDEO_LAMBDA_ALLOWED_BUCKETS")
        var seen = Set<String>()
        var policy = AccessPolicy(
            allowedRoots: roots.filter { seen.insert($0).inserted },
            privateHostAllowlist: Set(list("VIDEO_LAMBDA_ALLOWED_HOSTS").map { $0.lowercased() }),
            bucketAllowlist: buckets.isEmpty ? nil : Set(buckets),
            maximumObjectBytes: environment["VIDEO_LAMBDA_MAX_OBJECT_BYTES"].flatMap { Int64($0) } ?? defaultMaximumObjectBytes,
            runtimeAPIAddress: environment["AWS_LAMBDA_RUNTIME_API"])
        // A switch that closes a door fails closed: a value that is not clearly "on" turns it off.
        let https = Substring(environment["VIDEO_LAMBDA_ALLOW_HTTPS"] ?? "").trimmingSpaces().lowercased()
        policy.allowsHTTPS = ["", "true", "1", "yes", "on"].contains(https)
        return policy
    }

    // MARK: - Checks

    /// Returns the real path of `path` when it lies under an allowed root. Symlinks are resolved first,
    /// so a link under /tmp pointing at /etc/passwd is refused.
    func checkFile(_ path: String, uri: String) throws -> String {
        let lexical = Self.normalized(path)
        guard roots.contains(where: { Self.isUnder(lexical, root: $0.lexical) || Self.isUnder(lexical, root: $0.real) }) else {
            throw refusal(uri, "\(path) is outside the allowed directories (\(allowedRoots.joined(separator: ", ")))")
        }
        guard let real = Self.realPath(lexical) else {
            if errno == ENOENT || errno == ENOTDIR { throw ObjectStoreError(.notFound, uri: uri, "no such file") }
            throw ObjectStoreError(.io, uri: uri, String(cString: strerror(errno)))
        }
        guard roots.contains(where: { Self.isUnder(real, root: $0.real) }) else {
            throw refusal(uri, "\(path) resolves to \(real), outside the allowed directories")
        }
        return real
    }

    func checkBucket(_ bucket: String, uri: String) throws {
        if let bucketAllowlist, !bucketAllowlist.contains(bucket) {
            throw refusal(uri, "bucket '\(bucket)' is not in the allowed buckets (\(bucketAllowlist.sorted().joined(separator: ", ")))")
        }
    }

    func checkSize(_ size: Int64, uri: String) throws {
        if size > maximumObjectBytes {
            throw ObjectStoreError(.tooLarge, uri: uri, "\(size) bytes is over the limit of \(maximumObjectBytes) bytes")
        }
    }

    /// Resolves `host` and returns the address to connect to. Pinning the address we checked keeps a
    /// DNS answer that changes between the check and the connect (rebinding) from reaching a private host.
    func checkHTTPSHost(_ host: String, port: Int, uri: String) throws -> NetworkAddress {
        guard allowsHTTPS else { throw refusal(uri, "this function reads no HTTPS URIs (VIDEO_LAMBDA_ALLOW_HTTPS is not on); give an s3:// URI") }
        let addresses: [NetworkAddress]
        do { addresses = try NetworkAddress.resolve(host: host, port: port) }
        catch let failure as NetworkAddress.ResolutionFailure {
            throw ObjectStoreError(.network, uri: uri, "cannot resolve \(host): \(failure.reason)")
        }
        guard let first = addresses.first else { throw ObjectStoreError(.network, uri: uri, "\(host) has no addresses") }
        if let runtimeAPIAddress, addresses.contains(where: { runtimeAPIAddress == "\($0.text):\(port)" || runtimeAPIAddress == "\(host):\(port)" }) {
            throw refusal(uri, "the Lambda Runtime API address is not readable through an event")
        }
        if privateHostAllowlist.contains(host) { return first }
        if let blocked = addresses.first(where: { !$0.isPublic }) {
            throw refusal(uri, "\(host) resolves to \(blocked.text), a non-public address (allow it with VIDEO_LAMBDA_ALLOWED_HOSTS)")
        }
        return first
    }

    private func refusal(_ uri: String, _ reason: String) -> ObjectStoreError {
        ObjectStoreError(.refusedByPolicy, uri: uri, reason)
    }

    // MARK: - Paths

    private var roots: [(lexical: String, real: String)] {
        allowedRoots.map { root in
            let lexical = Self.normalized(root)
            return (lexical, Self.realPath(lexical) ?? lexical)
        }
    }

    static func isUnder(_ path: String, root: String) -> Bool {
        root == "/" || path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    /// Makes `path` absolute and removes `.`, `..` and repeated slashes without touching the disk.
    static func normalized(_ path: String) -> String {
        var absolute = path
        if !path.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            if getcwd(&buffer, buffer.count) != nil { absolute = String(cString: buffer) + "/" + path }
        }
        var parts: [Substring] = []
        for part in absolute.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

extension Substring {
    /// The text without the spaces and tabs around it.
    func trimmingSpaces() -> Substring {
        var slice = self
        while slice.first == " " || slice.first == "\t" { slice = slice.dropFirst() }
        while slice.last == " " || slice.last == "\t" { slice = slice.dropLast() }
        return slice
    }
}
