// Streaming zstd decompression of model files, with the frame checksum verified by libzstd.
import CZstd
import Inference

enum ZstdDecompressor {
    /// zstd frames start with this little-endian magic number.
    static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x28 && bytes[1] == 0xB5 && bytes[2] == 0x2F && bytes[3] == 0xFD
    }

    /// Decompresses every frame in `compressed`. A stream that ends mid-frame is an error, not a
    /// silently shorter model; a checksum mismatch is reported as such.
    static func decompress(_ compressed: [UInt8], source: String, maximumBytes: Int = ModelLoader.maximumModelBytes) throws -> [UInt8] {
        // A stream that declares or produces more is refused before memory is set aside for it (a
        // 16-byte frame can declare 2^39 bytes).
        func tooLarge(_ bytes: UInt64) -> ModelError {
            ModelError(.tooLarge, "\(source): the zstd stream holds \(bytes) bytes or more, \(ModelLoader.limitText(maximumBytes))")
        }
        guard let stream = ZSTD_createDStream() else { throw ModelError(.io, "\(source): cannot allocate a zstd decoder") }
        defer { ZSTD_freeDStream(stream) }
        ZSTD_initDStream(stream)
        return try compressed.withUnsafeBytes { raw in
            var input = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: 0)
            var pending = 0
            // Frames declare their content size (zstd -19 writes it): the stream is decoded straight
            // into an array of that size, with no intermediate copy of a model that may be 100 MB.
            var output: [UInt8] = []
            let declared = ZSTD_getFrameContentSize(raw.baseAddress, raw.count)
            if declared < UInt64(1) << 40 {
                guard declared <= UInt64(maximumBytes) else { throw tooLarge(declared) }
                output = try [UInt8](unsafeUninitializedCapacity: Int(declared)) { buffer, count in
                    count = 0
                    while input.pos < input.size && count < buffer.count {
                        count += try step(stream, &input, into: UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[count...]),
                                          pending: &pending, source: source)
                    }
                }
            }
            // More frames after the first, or no declared size: decode the rest in chunks.
            var chunk = [UInt8](repeating: 0, count: ZSTD_DStreamOutSize())
            while input.pos < input.size || pending != 0 {
                let produced = try chunk.withUnsafeMutableBytes { try step(stream, &input, into: $0, pending: &pending, source: source) }
                guard output.count + produced <= maximumBytes else { throw tooLarge(UInt64(output.count + produced)) }
                output.append(contentsOf: chunk[0..<produced])
                // No progress with input left means the decoder wants more than there is.
                if produced == 0 && input.pos == input.size && pending != 0 { break }
            }
            if pending != 0 {
                throw ModelError(.corruptCompression, "\(source): the zstd stream is truncated (\(compressed.count) bytes end inside a frame)")
            }
            return output
        }
    }

    /// One call of the decoder into `target`; returns the bytes it wrote and leaves in `pending`
    /// what libzstd says is still to come of the current frame (0 at a frame's end).
    private static func step(_ stream: OpaquePointer, _ input: inout ZSTD_inBuffer, into target: UnsafeMutableRawBufferPointer,
                             pending: inout Int, source: String) throws -> Int {
        var output = ZSTD_outBuffer(dst: target.baseAddress, size: target.count, pos: 0)
        let result = ZSTD_decompressStream(stream, &output, &input)
        if ZSTD_isError(result) != 0 {
            let reason = String(cString: ZSTD_getErrorName(result))
            if ZSTD_getErrorCode(result) == ZSTD_error_checksum_wrong {
                throw ModelError(.checksumMismatch, "\(source): the zstd checksum does not match: the file is corrupt (\(reason))")
            }
            throw ModelError(.corruptCompression, "\(source): corrupt zstd data: \(reason)")
        }
        pending = result
        return output.pos
    }
}
