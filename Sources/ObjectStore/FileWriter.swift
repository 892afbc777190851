// Writing a result file under an allowed root, atomically (temporary file, then rename).
import Glibc

enum FileWriter {
    /// Missing directories on the way are created (a result named after a nested S3 key, `uploads/a.mp4`,
    /// goes to `<prefix>uploads/a.mp4.json`), each only once its parent has passed the policy.
    static func write(_ bytes: [UInt8], to path: String, uri: String, policy: AccessPolicy) throws {
        let directory = try Self.directory(of: path, uri: uri)
        // The directory must lie under an allowed root once symlinks are resolved.
        let realDirectory = try makeDirectory(directory, uri: uri, policy: policy)
        let lexical = AccessPolicy.normalized(path)
        let target = realDirectory + "/" + lexical[lexical.index(after: lexical.lastIndex(of: "/")!)...]
        let temporary = target + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ObjectStoreError(.writeFailed, uri: uri, String(cString: strerror(errno))) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(descriptor); unlink(temporary)
                throw ObjectStoreError(.writeFailed, uri: uri, reason)
            }
            written += count
        }
        close(descriptor)
        guard rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw ObjectStoreError(.writeFailed, uri: uri, reason)
        }
    }

    /// Checks, creating nothing, what `write` would check of `path` first: that it names a file, and
    /// that its nearest directory that exists lies under an allowed root (symlinks resolved); what
    /// is missing below it, writing makes there.
    static func checkWritable(_ path: String, uri: String, policy: AccessPolicy) throws {
        var directory = try Self.directory(of: path, uri: uri)
        while true {
            do {
                _ = try policy.checkFile(directory, uri: uri)
                return
            } catch let error as ObjectStoreError where error.code == .notFound {
                guard directory != "/", let slash = directory.lastIndex(of: "/") else { throw error }
                directory = slash == directory.startIndex ? "/" : String(directory[..<slash])
            }
        }
    }

    /// The directory of the file `path` names (normalised); refused when it names no file.
    private static func directory(of path: String, uri: String) throws -> String {
        let lexical = AccessPolicy.normalized(path)
        guard let slash = lexical.lastIndex(of: "/"), lexical[lexical.index(after: slash)...].isEmpty == false else {
            throw ObjectStoreError(.invalidURI, uri: uri, "a file URI to write must name a file")
        }
        return slash == lexical.startIndex ? "/" : String(lexical[..<slash])
    }

    /// The real path of `directory` (absolute, normalised), creating it and its missing parents. Each
    /// is checked before anything is made in it, so nothing is created outside the allowed roots (or
    /// through a symlink leading out of them).
    private static func makeDirectory(_ directory: String, uri: String, policy: AccessPolicy) throws -> String {
        do {
            return try policy.checkFile(directory, uri: uri)
        } catch let error as ObjectStoreError where error.code == .notFound {
            guard directory != "/", let slash = directory.lastIndex(of: "/") else { throw error }
            let parent = slash == directory.startIndex ? "/" : String(directory[..<slash])
            let created = try makeDirectory(parent, uri: uri, policy: policy) + "/" + directory[directory.index(after: slash)...]
            guard mkdir(created, 0o755) == 0 || errno == EEXIST else {
                throw ObjectStoreError(.writeFailed, uri: uri, "creating \(created): \(String(cString: strerror(errno)))")
            }
            return try policy.checkFile(created, uri: uri)
        }
    }
}
