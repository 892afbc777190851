// Streaming zstd decompression of model files, with the frame checksum verified by libzstd.
import CZstd

enum ZstdDecompressor {
    /// zstd frames start with this little-endian magic number.
    static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x28 && bytes[1] == 0xB5 && bytes[2] == 0x2F && bytes[3] == 0xFD
    }

    /// Decompresses every frame in `compressed`. A stream that ends mid-frame is an error, not a
    /// silently shorter model; a checksum mismatch is reported as such.
    static func decompress(_ compressed: [UInt8], source: String) throws -> [UInt8] {
        guard let stream = ZSTD_createDStream() else { throw ModelError(.io, "\(source): cannot allocate a zstd decoder") }
        defer { ZSTD_freeDStream(stream) }
        ZSTD_initDStream(stream)
        let chunk = ZSTD_DStreamOutSize()
        var output: [UInt8] = []
        // Frames declare their content size; reserve it so the output grows once.
        let declared = compressed.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
        if declared < UInt64(1) << 40 { output.reserveCapacity(Int(declared)) }
        var buffer = [UInt8](repeating: 0, count: chunk)
        var pending: Int = 0
        try compressed.withUnsafeBytes { raw in
            var input = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: 0)
            while input.pos < input.size || pending != 0 {
                let produced: Int = try buffer.withUnsafeMutableBytes { out in
                    var target = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                    let result = ZSTD_decompressStream(stream, &target, &input)
                    if ZSTD_isError(result) != 0 {
                        let code = ZSTD_getErrorCode(result)
                        let reason = String(cString: ZSTD_getErrorName(result))
                        if code == ZSTD_error_checksum_wrong {
                            throw ModelError(.checksumMismatch, "\(source): the zstd checksum does not match: the file is corrupt (\(reason))")
                        }
                        throw ModelError(.corruptCompression, "\(source): corrupt zstd data: \(reason)")
                    }
                    pending = result
                    return target.pos
                }
                output.append(contentsOf: buffer[0..<produced])
                // No progress with input left means the decoder wants more than there is.
                if produced == 0 && input.pos == input.size && pending != 0 { break }
            }
        }
        if pending != 0 {
            throw ModelError(.corruptCompression, "\(source): the zstd stream is truncated (\(compressed.count) bytes end inside a frame)")
        }
        return output
    }
}
