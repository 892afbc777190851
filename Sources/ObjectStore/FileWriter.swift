// Writing a result file under an allowed root, atomically (temporary file, then rename).
import Glibc

enum FileWriter {
    static func write(_ bytes: [UInt8], to path: String, uri: String, policy: AccessPolicy) throws {
        let lexical = AccessPolicy.normalized(path)
        guard let slash = lexical.lastIndex(of: "/"), lexical[lexical.index(after: slash)...].isEmpty == false else {
            throw ObjectStoreError(.invalidURI, uri: uri, "a file URI to write must name a file")
        }
        let directory = slash == lexical.startIndex ? "/" : String(lexical[..<slash])
        // The directory must exist and lie under an allowed root once symlinks are resolved.
        let realDirectory = try policy.checkFile(directory, uri: uri)
        let target = realDirectory + "/" + lexical[lexical.index(after: slash)...]
        let temporary = target + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ObjectStoreError(.io, uri: uri, String(cString: strerror(errno))) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(descriptor); unlink(temporary)
                throw ObjectStoreError(.io, uri: uri, reason)
            }
            written += count
        }
        close(descriptor)
        guard rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw ObjectStoreError(.io, uri: uri, reason)
        }
    }
}
