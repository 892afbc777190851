// Random access to a local file with pread.
import Glibc

/// Reads one local file. The policy has already resolved and checked its real path.
public final class FileObjectReader: ObjectReader {
    public let uri: String
    public let size: Int64
    public private(set) var statistics = ReadStatistics()
    private let descriptor: Int32

    init(uri: String, realPath: String, maximumBytes: Int64) throws {
        self.uri = uri
        // Without blocking: opening a FIFO for reading waits for a writer, which would hold the
        // invocation to its timeout; it is opened at once, then refused below as no regular file.
        // (O_NONBLOCK changes nothing for a regular file's reads.)
        descriptor = open(realPath, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            let code: ObjectStoreError.Code = errno == ENOENT ? .notFound : (errno == EACCES ? .accessDenied : .io)
            throw ObjectStoreError(code, uri: uri, String(cString: strerror(errno)))
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw ObjectStoreError(.io, uri: uri, reason)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw ObjectStoreError(.notAFile, uri: uri, "not a regular file")
        }
        size = Int64(info.st_size)
        guard size <= maximumBytes else {
            close(descriptor)
            throw ObjectStoreError(.tooLarge, uri: uri, "\(size) bytes is over the limit of \(maximumBytes) bytes")
        }
    }

    deinit { close(descriptor) }

    public func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard offset >= 0, offset < size, buffer.count > 0 else { return 0 }
        var total = 0
        while total < buffer.count {
            let count = pread(descriptor, buffer.baseAddress! + total, buffer.count - total, off_t(offset) + off_t(total))
            if count < 0 {
                if errno == EINTR { continue }
                throw ObjectStoreError(.io, uri: uri, String(cString: strerror(errno)))
            }
            if count == 0 { break }
            total += count
        }
        statistics.requests += 1
        statistics.bytesFetched += Int64(total)
        statistics.bytesRead += Int64(total)
        return total
    }
}
