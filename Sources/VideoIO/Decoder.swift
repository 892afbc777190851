// The video decoder: codec lookup, FFmpeg's own threads, send packets / receive frames.
import CFFmpeg

/// One opened decoder for the chosen stream. Frame threads decode several frames at once (the
/// big win on multi-core Lambda sizes); slice threads help codecs or streams without frame threads.
final class Decoder {
    private var context: UnsafeMutablePointer<AVCodecContext>?
    let codecName: String

    var codecContext: UnsafeMutablePointer<AVCodecContext> { context! }

    /// `maximumPixels`: the most a picture may have, enforced by the decoder itself: a stream may
    /// change size mid-way, and the pictures decoded on the way to a sampled frame (references,
    /// frames in flight) are never handed out to be checked. FFmpeg counts a picture's width
    /// rounded up to its stride alignment (up to 64), so the decoder's bound has that much room
    /// for the stream's own size: a video exactly at the limit must still decode (the frames
    /// handed out are checked exactly).
    init(stream: UnsafeMutablePointer<AVStream>, uri: String, threads: Int = 0, maximumPixels: Int) throws {
        let parameters = stream.pointee.codecpar!
        codecName = String(cString: avcodec_get_name(parameters.pointee.codec_id))
        guard let codec = avcodec_find_decoder(parameters.pointee.codec_id) else {
            let tag = Self.fourCC(parameters.pointee.codec_tag)
            throw VideoIOError(.unsupportedCodec, uri: uri,
                               "no decoder for the video codec '\(codecName)'\(tag.map { " (tag \($0))" } ?? ""); re-encode the video as H.264, HEVC, VP9 or AV1")
        }
        context = avcodec_alloc_context3(codec)
        guard context != nil else { throw VideoIOError(.internalFailure, uri: uri, "out of memory allocating the decoder") }
        var result = avcodec_parameters_to_context(context, parameters)
        if result >= 0 {
            context!.pointee.pkt_timebase = stream.pointee.time_base
            let parameters = stream.pointee.codecpar.pointee
            let strideRoom = Self.strideAlignment * Int64(max(parameters.width, parameters.height, 0))
            context!.pointee.max_pixels = Int64(maximumPixels) + strideRoom
            // 0 = as many threads as cores (plus one), FFmpeg's own choice.
            context!.pointee.thread_count = Int32(threads)
            context!.pointee.thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE
            result = avcodec_open2(context, codec, nil)
        }
        guard result >= 0 else {
            avcodec_free_context(&context)
            throw VideoIOError(.unsupportedCodec, uri: uri,
                               "the \(codecName) decoder refused this stream (\(FFmpegResult.message(result))); re-encode the video as H.264")
        }
    }

    deinit {
        avcodec_free_context(&context)
    }

    /// The widest alignment FFmpeg rounds a picture's width to (AVX-512's 64 bytes).
    static let strideAlignment: Int64 = 64

    /// Drops frames in flight and reference pictures: required after a seek.
    func flush() {
        avcodec_flush_buffers(context)
    }

    /// Which frames the decoder skips: `AVDISCARD_NONKEY` makes keyframe-only sampling cheap.
    var skipFrames: AVDiscard {
        get { context!.pointee.skip_frame }
        set { context!.pointee.skip_frame = newValue }
    }

    /// Sends a packet (nil = end of stream, to drain the frames still inside).
    func send(_ packet: UnsafeMutablePointer<AVPacket>?) -> Int32 {
        avcodec_send_packet(context, packet)
    }

    /// Receives the next frame into `frame`: 0, EAGAIN (send more), EOF (drained) or an error.
    func receive(into frame: UnsafeMutablePointer<AVFrame>) -> Int32 {
        avcodec_receive_frame(context, frame)
    }

    private static func fourCC(_ tag: UInt32) -> String? {
        guard tag != 0 else { return nil }
        let bytes = (0..<4).map { UInt8(truncatingIfNeeded: tag >> ($0 * 8)) }
        guard bytes.allSatisfy({ $0 >= 32 && $0 < 127 }) else { return nil }
        return "'" + String(decoding: bytes, as: UTF8.self) + "'"
    }
}
