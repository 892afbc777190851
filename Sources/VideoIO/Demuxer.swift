// Opens a container through AVIO over an ObjectReader, picks its video stream, reads and seeks packets.
import CFFmpeg
#if canImport(Glibc)
import Glibc
#endif
import ObjectStore

/// The container side of a video: format probing, stream selection, packets and seeks.
/// Packets of other streams are discarded inside the demuxer, so their bytes are not even read
/// where the container allows skipping them.
final class Demuxer {
    let uri: String
    private let bridge: AVIOBridge
    /// Resources other than the object that the container asked to open (all refused).
    private let refusedOpens = RefusedOpens()
    private var format: UnsafeMutablePointer<AVFormatContext>?
    let stream: UnsafeMutablePointer<AVStream>
    /// The container's start time in AV_TIME_BASE units: `ffmpeg -ss` counts from here.
    let startTime: Int64
    /// The same start on the video stream's own clock, exactly, when the video stream is what
    /// starts the container (nil when another stream starts first). `startTime` is rounded to the
    /// microsecond: counted from it, a transport stream starting at 1.4666… s had its first frame at
    /// -3.3e-07 s and every other a third of a microsecond early.
    let startInStreamTicks: Int64?

    var formatContext: UnsafeMutablePointer<AVFormatContext> { format! }
    /// The container's index is built as packets are read, so at open it may hold only the start.
    let indexGrowsWhileReading: Bool
    /// MPEG transport and program streams and raw elementary streams: packets from the first byte,
    /// and no index for a seek by time (see `rewind`).
    private let rewindsByBytes: Bool
    /// The same containers seek by bisecting timestamps (the index they build as they read is
    /// not used to seek), and may land after the target's keyframe.
    var seeksByBisection: Bool { rewindsByBytes }
    var timeBase: AVRational { stream.pointee.time_base }
    var streamIndex: Int32 { stream.pointee.index }
    var statistics: ReadStatistics { bridge.reader.statistics }

    init(reader: ObjectReader) throws {
        uri = reader.uri
        guard reader.size > 0 else { throw VideoIOError(.notAVideo, uri: uri, "the object is empty (0 bytes); upload the video again") }
        let bridge = try AVIOBridge(reader: reader)
        self.bridge = bridge
        var probed: UnsafePointer<AVInputFormat>?
        let score = av_probe_input_buffer2(bridge.context, &probed, uri, nil, 0, 0)
        try bridge.rethrowReaderFailure()
        guard score >= 0, let probed else {
            throw VideoIOError(.notAVideo, uri: uri,
                               "no container format recognises its \(reader.size) bytes (\(FFmpegResult.message(score))); expected MP4, MOV, WebM/MKV, AVI or another video file")
        }
        let name = String(cString: probed.pointee.name)
        guard !Self.networkFormats.contains(name) else {
            throw VideoIOError(.notAVideo, uri: uri,
                               "the file is a \(name) session description, which streams video from the network, not a video: pass a video file (MP4, MOV, WebM/MKV, AVI...)")
        }
        format = avformat_alloc_context()
        guard format != nil else { throw VideoIOError(.internalFailure, uri: uri, "out of memory allocating the demuxer") }
        format!.pointee.pb = bridge.context
        // Our AVIO context belongs to the bridge, not to libavformat.
        format!.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
        // The object is the only input. Formats that open other resources (HLS and DASH playlists,
        // concat lists, MOV references) would fetch URLs the access policy never saw, on loopback
        // or private addresses, or local files: every such open is refused.
        format!.pointee.opaque = Unmanaged.passUnretained(refusedOpens).toOpaque()
        format!.pointee.io_open = { context, _, _, _, _ in
            if let opaque = context?.pointee.opaque { Unmanaged<RefusedOpens>.fromOpaque(opaque).takeUnretainedValue().count += 1 }
            return Demuxer.refusedOpen
        }
        // Demuxers that open network protocols themselves (RTP sockets) go around io_open: no
        // protocol is on their whitelist. (libavformat frees the string with the context.)
        guard let noProtocols = Self.allocatedCString("none") else {
            avformat_close_input(&format)
            throw VideoIOError(.internalFailure, uri: uri, "out of memory allocating the demuxer")
        }
        format!.pointee.protocol_whitelist = noProtocols
        var opened = avformat_open_input(&format, uri, probed, nil)
        // From here on a throw must close what was opened: an init that throws runs no deinit.
        // (avformat_open_input has freed the context and cleared `format` when it failed.)
        try Self.closing(&format) { try bridge.rethrowReaderFailure() }
        if opened < 0, refusedOpens.count > 0 {
            throw VideoIOError(.notAVideo, uri: uri,
                               "the \(name) file refers to other files or URLs, which are not read: pass a self-contained video (MP4, MOV, WebM/MKV, AVI...)")
        }
        guard opened >= 0 else {
            // avformat_open_input frees the context on failure.
            throw VideoIOError(.corruptData, uri: uri,
                               "the \(name) container cannot be parsed (\(FFmpegResult.message(opened))); the file is damaged, truncated before its index (an MP4 whose moov box is missing), or not finished uploading")
        }
        opened = avformat_find_stream_info(format, nil)
        try Self.closing(&format) { try bridge.rethrowReaderFailure() }
        guard opened >= 0 else {
            avformat_close_input(&format)
            throw VideoIOError(.corruptData, uri: uri, "the \(name) streams cannot be analysed (\(FFmpegResult.message(opened)))")
        }
        guard let chosen = Self.videoStream(in: format!) else {
            let kinds = Self.streamKinds(in: format!)
            avformat_close_input(&format)
            throw VideoIOError(.noVideoStream, uri: uri,
                               "the \(name) file has \(kinds.isEmpty ? "no streams" : "only " + kinds) and no video stream; pass a file with video")
        }
        stream = chosen
        for index in 0..<Int(format!.pointee.nb_streams) where index != Int(chosen.pointee.index) {
            format!.pointee.streams[index]!.pointee.discard = AVDISCARD_ALL
        }
        let start = format!.pointee.start_time
        startTime = start == vl_nopts_value() ? 0 : start
        indexGrowsWhileReading = name.contains("matroska") || name == "flv"
        rewindsByBytes = ["mpegts", "mpeg", "mpegvideo", "h264", "hevc", "m4v", "h263", "cavsvideo", "vc1"].contains(name)
        if name.contains("matroska") {
            // Matroska's demuxer reads the index (the Cues, usually at the end of the file) only
            // when first asked to seek: until then the stream's index holds just the keyframes
            // probing passed, and every target would seem to be in their last GOP. A seek to the
            // start reads it now, and leaves the demuxer where it was: before the first packet.
            // (A file without Cues keeps the partial index; `VideoReader` tells it from a whole one.)
            _ = av_seek_frame(format, -1, startTime, AVSEEK_FLAG_BACKWARD)
            try Self.closing(&format) { try bridge.rethrowReaderFailure() }
        }
        // Every seek target and sample time adds to these; past any real recording's clock they
        // overflow 64 bits (this module runs unchecked: silently, to wrong frames).
        let streamStart = chosen.pointee.start_time == vl_nopts_value() ? 0 : chosen.pointee.start_time
        let containerSeconds = Double(startTime) / Double(AV_TIME_BASE)
        let streamSeconds = Double(streamStart) * av_q2d(chosen.pointee.time_base)
        // Written so that NaN (a time base of 0/0) fails too.
        guard abs(containerSeconds) <= Self.maximumStartSeconds, abs(streamSeconds) <= Self.maximumStartSeconds,
              streamStart.magnitude < Self.maximumStartTicks.magnitude else {
            avformat_close_input(&format)
            throw VideoIOError(.corruptData, uri: uri,
                               "the \(name) file says its video starts at \(containerSeconds) s (its stream at \(streamSeconds) s), beyond any recording's clock (at most \(Int(Self.maximumStartSeconds)) s): its timestamps are damaged")
        }
        let streamHasStart = chosen.pointee.start_time != vl_nopts_value()
        startInStreamTicks = streamHasStart && av_rescale_q(streamStart, chosen.pointee.time_base, vl_time_base_q()) == startTime ? streamStart : nil
    }

    /// The latest start a container may give: about 3,000 years, far past wall-clock stamps
    /// (recordings made with -use_wallclock_as_timestamps or -copyts from a camera start near
    /// 1.7e9 s) and still 90 times below where microseconds overflow 64 bits (9.2e12 s).
    static let maximumStartSeconds = 1e11
    /// The same bound on the stream's own start in its time base's ticks: sample times and seek
    /// targets are added to it.
    static let maximumStartTicks: Int64 = 1 << 62

    deinit {
        avformat_close_input(&format)
    }

    /// Seconds from the start of the file at `streamTime` (the video stream's time base): exact
    /// when the video stream starts the container, else counted from its microsecond start.
    func seconds(_ streamTime: Int64) -> Double {
        if let start = startInStreamTicks { return Double(streamTime &- start) * av_q2d(timeBase) }
        let value = Double(streamTime) * av_q2d(timeBase) - Double(startTime) / Double(AV_TIME_BASE)
        // The first frame of a stream that does not start the container, a rounding below zero: 0.
        return value < 0 && value > -1e-6 ? 0 : value
    }

    /// Demuxers that read a description of a network stream and connect to it (the sdp demuxer
    /// binds the RTP ports it names and waits for packets from anywhere): refused by name once
    /// probing picks one, before any socket is opened.
    static let networkFormats: Set<String> = ["sdp", "rtsp", "rtp", "sap"]

    /// Runs `body`; if it throws, closes `format` first.
    private static func closing(_ format: inout UnsafeMutablePointer<AVFormatContext>?, _ body: () throws -> Void) throws {
        do { try body() } catch {
            avformat_close_input(&format)
            throw error
        }
    }

    /// `text` in memory from av_malloc, for the context fields libavformat frees itself.
    private static func allocatedCString(_ text: String) -> UnsafeMutablePointer<CChar>? {
        let bytes = Array(text.utf8CString)
        guard let memory = av_malloc(bytes.count) else { return nil }
        let copy = memory.bindMemory(to: CChar.self, capacity: bytes.count)
        copy.update(from: bytes, count: bytes.count)
        return copy
    }

    /// AVERROR(EPERM): what the demuxer gets for any resource other than the object itself.
    static let refusedOpen = -EPERM

    /// Counts the demuxer's attempts to open other resources (its context's `opaque`).
    final class RefusedOpens {
        var count = 0
    }

    /// The video stream to decode: the one FFmpeg ranks best, never a cover picture.
    private static func videoStream(in format: UnsafeMutablePointer<AVFormatContext>) -> UnsafeMutablePointer<AVStream>? {
        func isMovingVideo(_ stream: UnsafeMutablePointer<AVStream>) -> Bool {
            stream.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO
                && stream.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC == 0
        }
        let best = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        if best >= 0, let stream = format.pointee.streams[Int(best)], isMovingVideo(stream) { return stream }
        for index in 0..<Int(format.pointee.nb_streams) {
            if let stream = format.pointee.streams[index], isMovingVideo(stream) { return stream }
        }
        return nil
    }

    /// "1 audio stream", "2 streams (audio, subtitle)": what a file holds instead of video.
    private static func streamKinds(in format: UnsafeMutablePointer<AVFormatContext>) -> String {
        let kinds = (0..<Int(format.pointee.nb_streams)).map { index -> String in
            let stream = format.pointee.streams[index]!
            let type = stream.pointee.codecpar.pointee.codec_type
            if type == AVMEDIA_TYPE_VIDEO { return "cover picture" }
            return av_get_media_type_string(type).map { String(cString: $0) } ?? "unknown"
        }
        if kinds.count == 1 { return "1 \(kinds[0]) stream" }
        return kinds.isEmpty ? "" : "\(kinds.count) streams (\(kinds.joined(separator: ", ")))"
    }

    enum ReadResult {
        case packet
        case endOfData
        /// The demuxer rejected the data here; reading on may still find more.
        case damaged(Int32)
    }

    /// Reads the next packet of the video stream into `packet` (unreferenced first).
    func read(into packet: UnsafeMutablePointer<AVPacket>) throws -> ReadResult {
        while true {
            av_packet_unref(packet)
            let result = av_read_frame(format, packet)
            try bridge.rethrowReaderFailure()
            if result == FFmpegResult.endOfFile { return .endOfData }
            if result < 0 { return .damaged(result) }
            if packet.pointee.stream_index == streamIndex { return .packet }
        }
    }

    /// Goes back to the first packet: by byte position where the container allows it (a
    /// timestamp seek to 0 in a container without index bisects and may skip the first GOP).
    /// Plain packet streams go back by bytes first; a container with a header (Matroska, which
    /// would read byte 0 as if it were media data and find none) by time first, and by bytes only
    /// when it cannot seek by time (an AVI without index).
    func rewind() throws -> Bool {
        if !rewindsByBytes, try seek(toMicroseconds: 0) { return true }
        let result = av_seek_frame(format, -1, 0, AVSEEK_FLAG_BYTE)
        try bridge.rethrowReaderFailure()
        return try result >= 0 || (rewindsByBytes && seek(toMicroseconds: 0))
    }

    /// Reads `range` through the object reader (and drops it) so its cache holds it.
    func prefetch(_ range: Range<Int64>) throws {
        try bridge.prefetch(range)
    }

    /// Asks the object reader to fetch these spans ahead, all at once.
    func prefetch(_ ranges: [Range<Int64>]) throws {
        try bridge.reader.prefetch(ranges)
    }

    /// Seeks so that the next packet is the keyframe at or before `microseconds` from the start
    /// of the file — the call the ffmpeg CLI makes for `-ss`, so both land on the same keyframe.
    func seek(toMicroseconds microseconds: Int64) throws -> Bool {
        let target = microseconds + startTime
        let result = avformat_seek_file(format, -1, Int64.min, target, target, 0)
        try bridge.rethrowReaderFailure()
        return result >= 0
    }
}
