// Converts a decoded frame to packed 8-bit RGB at a given size with libswscale, as the CLI's scale filter does.
import CFFmpeg

/// One libswscale conversion from a decoded frame to RGB24. The colour matrix and range follow
/// the frame's own tags (BT.601 when untagged), as the ffmpeg CLI's scale filter sets them, so our
/// pixels match the CLI's. Not shared between threads: each preprocessing task makes its own.
enum FrameScaler {
    /// `frame` resized to width x height as packed RGB.
    ///
    /// libswscale's SIMD converters write whole blocks of 8 or 16 pixels, past the end of a row
    /// whose width is not a multiple of that, and expect aligned rows. So it writes into rows
    /// padded to 64 bytes (plus a spare row), which are then packed.
    static func scale(_ frame: UnsafePointer<AVFrame>, width: Int, height: Int, algorithm: ScalingAlgorithm, uri: String) throws -> RGBImage {
        let source = frame.pointee
        let format = AVPixelFormat(rawValue: source.format)
        guard let context = sws_getContext(source.width, source.height, format, Int32(width), Int32(height),
                                           AV_PIX_FMT_RGB24, algorithm.swsFlags, nil, nil, nil) else {
            let name = av_get_pix_fmt_name(format).map { String(cString: $0) } ?? "format \(source.format)"
            throw VideoIOError(.internalFailure, uri: uri, "libswscale cannot convert \(name) \(source.width)x\(source.height) to RGB \(width)x\(height)")
        }
        defer { sws_freeContext(context) }
        matchColorDetails(of: source, in: context)
        let stride = (width * 3 + 63) & ~63
        guard let staging = av_malloc((height + 1) * stride)?.assumingMemoryBound(to: UInt8.self) else {
            throw VideoIOError(.internalFailure, uri: uri, "out of memory for a \(width)x\(height) RGB frame")
        }
        defer { av_free(staging) }
        var planes = source.data
        var strides = source.linesize
        var targets: [UnsafeMutablePointer<UInt8>?] = [staging, nil, nil, nil]
        var targetStrides: [Int32] = [Int32(stride), 0, 0, 0]
        let rows = withUnsafePointer(to: &planes) { planePointer in
            withUnsafePointer(to: &strides) { stridePointer in
                planePointer.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { sourcePlanes in
                    stridePointer.withMemoryRebound(to: Int32.self, capacity: 8) { sourceStrides in
                        sws_scale(context, sourcePlanes, sourceStrides, 0, source.height, &targets, &targetStrides)
                    }
                }
            }
        }
        guard rows > 0 else {
            throw VideoIOError(.internalFailure, uri: uri, "libswscale failed to convert a \(source.width)x\(source.height) frame (\(FFmpegResult.message(rows)))")
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeMutableBufferPointer { packed in
            for row in 0..<height {
                (packed.baseAddress! + row * width * 3).update(from: staging + row * stride, count: width * 3)
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// The frame's YCbCr matrix and range, the rest left as libswscale set it (what vf_scale does).
    private static func matchColorDetails(of frame: AVFrame, in context: OpaquePointer) {
        var inverseTable: UnsafeMutablePointer<Int32>?
        var table: UnsafeMutablePointer<Int32>?
        var sourceRange: Int32 = 0, destinationRange: Int32 = 0
        var brightness: Int32 = 0, contrast: Int32 = 0, saturation: Int32 = 0
        guard sws_getColorspaceDetails(context, &inverseTable, &sourceRange, &table, &destinationRange,
                                       &brightness, &contrast, &saturation) >= 0 else { return }
        // sws_getCoefficients falls back to BT.601 for untagged (unspecified) colour spaces.
        let coefficients = sws_getCoefficients(Int32(frame.colorspace.rawValue))
        if frame.color_range != AVCOL_RANGE_UNSPECIFIED {
            sourceRange = frame.color_range == AVCOL_RANGE_JPEG ? 1 : 0
        }
        _ = sws_setColorspaceDetails(context, coefficients, sourceRange, coefficients, destinationRange,
                                     brightness, contrast, saturation)
    }
}
