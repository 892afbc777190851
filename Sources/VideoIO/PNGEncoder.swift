// RGB pictures to PNG files with FFmpeg's own PNG encoder.
import CFFmpeg

/// Encodes `RGBImage`s as PNG (lossless), so frames can be looked at and compared exactly.
public enum PNGEncoder {
    public static func encode(_ image: RGBImage) throws -> [UInt8] {
        func failure(_ what: String, _ code: Int32? = nil) -> VideoIOError {
            VideoIOError(.internalFailure, uri: "png", "\(what)\(code.map { " (\(FFmpegResult.message($0)))" } ?? "")")
        }
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_PNG) else { throw failure("this FFmpeg has no PNG encoder") }
        var context = avcodec_alloc_context3(codec)
        defer { avcodec_free_context(&context) }
        guard let context else { throw failure("out of memory for the PNG encoder") }
        context.pointee.width = Int32(image.width)
        context.pointee.height = Int32(image.height)
        context.pointee.pix_fmt = AV_PIX_FMT_RGB24
        context.pointee.time_base = AVRational(num: 1, den: 1)
        var result = avcodec_open2(context, codec, nil)
        guard result >= 0 else { throw failure("cannot open the PNG encoder", result) }

        var frame = av_frame_alloc()
        defer { av_frame_free(&frame) }
        guard let frame else { throw failure("out of memory for a frame") }
        frame.pointee.format = AV_PIX_FMT_RGB24.rawValue
        frame.pointee.width = Int32(image.width)
        frame.pointee.height = Int32(image.height)
        result = av_frame_get_buffer(frame, 0)
        guard result >= 0 else { throw failure("out of memory for a \(image.width)x\(image.height) frame", result) }
        let stride = Int(frame.pointee.linesize.0)
        let rowBytes = image.width * 3
        image.pixels.withUnsafeBufferPointer { pixels in
            for row in 0..<image.height {
                (frame.pointee.data.0! + row * stride).update(from: pixels.baseAddress! + row * rowBytes, count: rowBytes)
            }
        }
        result = avcodec_send_frame(context, frame)
        guard result >= 0 else { throw failure("the PNG encoder refused the frame", result) }
        _ = avcodec_send_frame(context, nil)
        var packet = av_packet_alloc()
        defer { av_packet_free(&packet) }
        guard let packet else { throw failure("out of memory for a packet") }
        result = avcodec_receive_packet(context, packet)
        guard result >= 0 else { throw failure("the PNG encoder produced nothing", result) }
        return Array(UnsafeBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size)))
    }
}
