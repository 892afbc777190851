// Resizing an RGB picture with libswscale (for thumbnails).
import CFFmpeg

extension RGBImage {
    /// This picture at width x height, resampled with `algorithm` (area averaging by default,
    /// which keeps shrunk thumbnails free of aliasing).
    public func resized(width: Int, height: Int, algorithm: ScalingAlgorithm = .area) throws -> RGBImage {
        guard width > 0, height > 0 else {
            throw VideoIOError(.invalidRequest, uri: "image", "cannot resize to \(width)x\(height); give a positive size")
        }
        guard let frame = av_frame_alloc() else { throw VideoIOError(.internalFailure, uri: "image", "out of memory for a frame") }
        defer { freeFrame(frame) }
        frame.pointee.format = AV_PIX_FMT_RGB24.rawValue
        frame.pointee.width = Int32(self.width)
        frame.pointee.height = Int32(self.height)
        guard av_frame_get_buffer(frame, 0) >= 0 else {
            throw VideoIOError(.internalFailure, uri: "image", "out of memory for a \(self.width)x\(self.height) frame")
        }
        let stride = Int(frame.pointee.linesize.0), rowBytes = self.width * 3
        pixels.withUnsafeBufferPointer { source in
            for row in 0..<self.height {
                (frame.pointee.data.0! + row * stride).update(from: source.baseAddress! + row * rowBytes, count: rowBytes)
            }
        }
        return try FrameScaler.scale(frame, width: width, height: height, algorithm: algorithm, uri: "image")
    }
}
