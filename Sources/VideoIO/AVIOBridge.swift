// A custom AVIOContext whose reads and seeks go to an ObjectReader (file, HTTPS or S3 ranges).
import CFFmpeg
import Glibc
import ObjectStore

/// Lets libavformat read an object through our reader instead of opening a URL itself, so every
/// byte goes through the object store's access policy, range reads and statistics.
///
/// FFmpeg only sees an error code when a read fails; the reader's own error (an S3 403, a network
/// failure) is kept in `failure` so the caller can rethrow it instead of a vague "I/O error".
final class AVIOBridge {
    let reader: ObjectReader
    private(set) var context: UnsafeMutablePointer<AVIOContext>?
    /// Where the next read starts; FFmpeg moves it with the seek callback.
    private var position: Int64 = 0
    /// The first error the reader threw, kept until the caller rethrows it.
    private(set) var failure: Error?

    /// Small on purpose: each refill reads this much, and after a seek the demuxer usually needs a
    /// few kilobytes, so a large buffer would only fetch bytes nobody decodes.
    static let bufferSize: Int32 = 8 << 10

    init(reader: ObjectReader) throws {
        self.reader = reader
        guard let buffer = av_malloc(Int(Self.bufferSize)) else {
            throw VideoIOError(.internalFailure, uri: reader.uri, "out of memory allocating the I/O buffer")
        }
        let opaque = Unmanaged.passUnretained(self).toOpaque()
        context = avio_alloc_context(buffer.assumingMemoryBound(to: UInt8.self), Self.bufferSize, 0, opaque,
                                     { opaque, buffer, size in
                                         Unmanaged<AVIOBridge>.fromOpaque(opaque!).takeUnretainedValue().read(buffer, Int(size))
                                     },
                                     nil,
                                     { opaque, offset, whence in
                                         Unmanaged<AVIOBridge>.fromOpaque(opaque!).takeUnretainedValue().seek(offset, whence)
                                     })
        guard context != nil else {
            av_free(buffer)
            throw VideoIOError(.internalFailure, uri: reader.uri, "out of memory allocating the I/O context")
        }
    }

    deinit {
        // The buffer may have been replaced by FFmpeg since allocation: free whatever it holds now.
        if context != nil {
            av_freep(&context!.pointee.buffer)
            avio_context_free(&context)
        }
    }

    /// Rethrows the reader's error if one happened; call after any FFmpeg call that failed.
    func rethrowReaderFailure() throws {
        if let failure { throw failure }
    }

    /// Reads `range` in one call, so a remote reader fetches its missing blocks in one request.
    func prefetch(_ range: Range<Int64>) throws {
        guard range.lowerBound < reader.size else { return }
        let count = Int(min(range.upperBound, reader.size) - range.lowerBound)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
        defer { scratch.deallocate() }
        _ = try reader.read(at: range.lowerBound, into: scratch)
    }

    private func read(_ buffer: UnsafeMutablePointer<UInt8>?, _ size: Int) -> Int32 {
        guard let buffer, size > 0 else { return 0 }
        if failure != nil { return vl_averror(EIO) }
        do {
            let count = try reader.read(at: position, into: UnsafeMutableRawBufferPointer(start: buffer, count: size))
            if count == 0 { return FFmpegResult.endOfFile }
            position += Int64(count)
            return Int32(count)
        } catch {
            failure = error
            return vl_averror(EIO)
        }
    }

    private func seek(_ offset: Int64, _ whence: Int32) -> Int64 {
        // AVSEEK_FORCE only says "seek even if it is expensive": every seek is cheap here.
        let mode = whence & ~Int32(AVSEEK_FORCE)
        let base: Int64
        switch mode {
        case Int32(AVSEEK_SIZE): return reader.size
        case SEEK_SET: base = 0
        case SEEK_CUR: base = position
        case SEEK_END: base = reader.size
        default: return Int64(vl_averror(EINVAL))
        }
        // The offset comes from the file's own data: a damaged one may ask for any 64-bit value.
        let (target, overflow) = base.addingReportingOverflow(offset)
        guard !overflow, target >= 0 else { return Int64(vl_averror(EINVAL)) }
        // Past the end is allowed, as with lseek: the next read then reports end of file.
        position = target
        return target
    }
}
