// Turns a decoded frame upright by moving its pixels plane by plane, in its own pixel format.
import CFFmpeg

/// Applies a `Rotation` to a decoded frame. The planes are turned in the decoder's pixel format
/// (as the CLI's transpose filter does before scaling), so scaling afterwards gives the same
/// pixels as `ffmpeg -i rotated.mp4 -vf scale=...`. Formats whose chroma is subsampled unevenly
/// (4:2:2) cannot be turned that way and are converted to 4:4:4 (or RGB) first.
enum FrameRotation {
    /// A new frame holding `frame` turned upright (and then flipped left to right when
    /// `mirrored`); the caller owns it.
    static func apply(_ rotation: Rotation, mirrored: Bool = false, to frame: UnsafeMutablePointer<AVFrame>,
                      uri: String) throws -> UnsafeMutablePointer<AVFrame> {
        if rotation == .none && !mirrored {
            guard let clone = av_frame_clone(frame) else { throw outOfMemory(uri) }
            return clone
        }
        var source = frame
        var converted: UnsafeMutablePointer<AVFrame>?
        defer { av_frame_free(&converted) }
        if !canTurnInPlace(AVPixelFormat(rawValue: frame.pointee.format), rotation) {
            converted = try convertForTurning(frame, uri: uri)
            source = converted!
        }
        let width = Int(source.pointee.width), height = Int(source.pointee.height)
        guard let turned = av_frame_alloc() else { throw outOfMemory(uri) }
        turned.pointee.format = source.pointee.format
        turned.pointee.width = Int32(rotation.swapsDimensions ? height : width)
        turned.pointee.height = Int32(rotation.swapsDimensions ? width : height)
        guard av_frame_get_buffer(turned, 0) >= 0, av_frame_copy_props(turned, source) >= 0 else {
            freeFrame(turned)
            throw outOfMemory(uri)
        }
        let descriptor = av_pix_fmt_desc_get(AVPixelFormat(rawValue: source.pointee.format))!.pointee
        for plane in 0..<Int(av_pix_fmt_count_planes(AVPixelFormat(rawValue: source.pointee.format))) {
            let isChroma = plane == 1 || plane == 2
            let shiftX = isChroma ? Int(descriptor.log2_chroma_w) : 0
            let shiftY = isChroma ? Int(descriptor.log2_chroma_h) : 0
            let planeWidth = (width + (1 << shiftX) - 1) >> shiftX
            let planeHeight = (height + (1 << shiftY) - 1) >> shiftY
            turnPlane(from: planeData(source, plane), sourceStride: lineSize(source, plane),
                      to: planeData(turned, plane), targetStride: lineSize(turned, plane),
                      width: planeWidth, height: planeHeight, bytesPerPixel: bytesPerPixel(descriptor, plane: plane),
                      rotation: rotation, mirrored: mirrored)
        }
        return turned
    }

    /// Planar or packed formats whose chroma is subsampled alike in both directions keep their
    /// layout when turned; palettes, bitstreams and hardware frames do not.
    private static func canTurnInPlace(_ format: AVPixelFormat, _ rotation: Rotation) -> Bool {
        guard let descriptor = av_pix_fmt_desc_get(format)?.pointee else { return false }
        let unusable = UInt64(AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_HWACCEL)
        if descriptor.flags & unusable != 0 { return false }
        // A packed format with subsampled chroma (YUYV) shares bytes between pixels.
        if descriptor.flags & UInt64(AV_PIX_FMT_FLAG_PLANAR) == 0 && (descriptor.log2_chroma_w != 0 || descriptor.log2_chroma_h != 0) { return false }
        return !rotation.swapsDimensions || descriptor.log2_chroma_w == descriptor.log2_chroma_h
    }

    /// 4:4:4 at the same size, which every turn keeps intact, as the CLI converts a frame for its
    /// transpose filter (its scaler's default, bicubic): the same range (a full-range "J" format
    /// such as MJPEG's yuvj422p to yuvj444p; to plain yuv444p it was squeezed into the limited
    /// range while still tagged full, and came out washed out) and the same bit depth; RGB for
    /// RGB sources.
    private static func convertForTurning(_ frame: UnsafeMutablePointer<AVFrame>, uri: String) throws -> UnsafeMutablePointer<AVFrame> {
        let format = AVPixelFormat(rawValue: frame.pointee.format)
        guard let converted = av_frame_alloc() else { throw outOfMemory(uri) }
        converted.pointee.format = fullChromaFormat(for: format).rawValue
        converted.pointee.width = frame.pointee.width
        converted.pointee.height = frame.pointee.height
        guard av_frame_get_buffer(converted, 0) >= 0, av_frame_copy_props(converted, frame) >= 0 else {
            freeFrame(converted)
            throw outOfMemory(uri)
        }
        let context = sws_getContext(frame.pointee.width, frame.pointee.height, format, frame.pointee.width, frame.pointee.height,
                                     AVPixelFormat(rawValue: converted.pointee.format), SWS_BICUBIC, nil, nil, nil)
        defer { sws_freeContext(context) }
        let rows = withUnsafePointer(to: &frame.pointee.data) { source in
            withUnsafePointer(to: &frame.pointee.linesize) { sourceStrides in
                withUnsafePointer(to: &converted.pointee.data) { target in
                    withUnsafePointer(to: &converted.pointee.linesize) { targetStrides in
                        sws_scale(context,
                                  UnsafeRawPointer(source).assumingMemoryBound(to: UnsafePointer<UInt8>?.self),
                                  UnsafeRawPointer(sourceStrides).assumingMemoryBound(to: Int32.self), 0, frame.pointee.height,
                                  UnsafeRawPointer(target).assumingMemoryBound(to: UnsafeMutablePointer<UInt8>?.self),
                                  UnsafeRawPointer(targetStrides).assumingMemoryBound(to: Int32.self))
                    }
                }
            }
        }
        guard context != nil, rows > 0 else {
            freeFrame(converted)
            throw VideoIOError(.internalFailure, uri: uri, "cannot convert a \(frame.pointee.width)x\(frame.pointee.height) frame to 4:4:4 to rotate it")
        }
        return converted
    }

    /// The 4:4:4 format a frame of `format` is turned in.
    private static func fullChromaFormat(for format: AVPixelFormat) -> AVPixelFormat {
        guard let descriptor = av_pix_fmt_desc_get(format)?.pointee else { return AV_PIX_FMT_RGB24 }
        if descriptor.flags & UInt64(AV_PIX_FMT_FLAG_RGB) != 0 { return AV_PIX_FMT_RGB24 }
        if String(cString: descriptor.name).hasPrefix("yuvj") { return AV_PIX_FMT_YUVJ444P }
        switch descriptor.comp.0.depth {
        case ...8: return AV_PIX_FMT_YUV444P
        case 9...10: return AV_PIX_FMT_YUV444P10LE
        case 11...12: return AV_PIX_FMT_YUV444P12LE
        default: return AV_PIX_FMT_YUV444P16LE
        }
    }

    private static func planeData(_ frame: UnsafeMutablePointer<AVFrame>, _ index: Int) -> UnsafeMutablePointer<UInt8> {
        withUnsafePointer(to: &frame.pointee.data) {
            UnsafeRawPointer($0).assumingMemoryBound(to: UnsafeMutablePointer<UInt8>?.self)[index]!
        }
    }

    private static func lineSize(_ frame: UnsafeMutablePointer<AVFrame>, _ index: Int) -> Int {
        withUnsafePointer(to: &frame.pointee.linesize) { Int(UnsafeRawPointer($0).assumingMemoryBound(to: Int32.self)[index]) }
    }

    /// Bytes one pixel takes in `plane`: the widest step of the components stored there
    /// (1 for yuv420p planes, 2 for NV12's interleaved chroma, 3 for RGB24).
    private static func bytesPerPixel(_ descriptor: AVPixFmtDescriptor, plane: Int) -> Int {
        let components = withUnsafePointer(to: descriptor.comp) {
            Array(UnsafeBufferPointer(start: UnsafeRawPointer($0).assumingMemoryBound(to: AVComponentDescriptor.self), count: 4))
        }
        return components.prefix(Int(descriptor.nb_components)).filter { Int($0.plane) == plane }.map { Int($0.step) }.max() ?? 1
    }

    /// Moves each pixel of a width x height plane to its turned place. Works in square tiles so
    /// that column-wise reads of a quarter turn stay in the cache.
    private static func turnPlane(from source: UnsafeMutablePointer<UInt8>, sourceStride: Int,
                                  to target: UnsafeMutablePointer<UInt8>, targetStride: Int,
                                  width: Int, height: Int, bytesPerPixel: Int, rotation: Rotation, mirrored: Bool) {
        let targetWidth = rotation.swapsDimensions ? height : width
        let targetHeight = rotation.swapsDimensions ? width : height
        let tile = 32
        for tileY in Swift.stride(from: 0, to: targetHeight, by: tile) {
            for tileX in Swift.stride(from: 0, to: targetWidth, by: tile) {
                for y in tileY..<min(tileY + tile, targetHeight) {
                    let row = target + y * targetStride
                    for x in tileX..<min(tileX + tile, targetWidth) {
                        // (sourceX, sourceY) of the pixel that lands on (x, y): on (turnedX, y) of
                        // the turned picture, which a mirror then flips left to right.
                        let turnedX = mirrored ? targetWidth - 1 - x : x
                        let sourceX: Int, sourceY: Int
                        switch rotation {
                        case .clockwise90: sourceX = y; sourceY = height - 1 - turnedX
                        case .clockwise270: sourceX = width - 1 - y; sourceY = turnedX
                        case .upsideDown: sourceX = width - 1 - turnedX; sourceY = height - 1 - y
                        case .none: sourceX = turnedX; sourceY = y
                        }
                        let from = source + sourceY * sourceStride + sourceX * bytesPerPixel
                        let to = row + x * bytesPerPixel
                        for byte in 0..<bytesPerPixel { to[byte] = from[byte] }
                    }
                }
            }
        }
    }

    private static func outOfMemory(_ uri: String) -> VideoIOError {
        VideoIOError(.internalFailure, uri: uri, "out of memory allocating a rotated frame")
    }
}
