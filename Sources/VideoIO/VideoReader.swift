// Opens a video through the object store and answers: what is it, where are its keyframes, which frames are at these times.
import CFFmpeg
import ObjectStore

/// Random access to the frames of one video, read through an `ObjectReader` (file, HTTPS or S3
/// ranges), never downloaded whole.
///
/// Frame rule: the frame for a timestamp T is the first frame whose presentation time is >= T,
/// as `ffmpeg -ss T -i FILE -frames:v 1` outputs it. To get there the reader seeks to the keyframe
/// at or before T and decodes forward, but only when T lies in a later GOP than the one being
/// decoded (or behind the current position); within the current GOP it just decodes on. So the
/// cost of N samples grows with N, not with the video's length.
///
/// Not thread-safe: one reader serves one request at a time (the decoder itself uses FFmpeg's threads).
public final class VideoReader {
    public let uri: String
    /// Set at open; a video whose container gives no duration has it measured then (see `init`).
    public private(set) var info: VideoStreamInfo
    public let limits: VideoLimits
    let demuxer: Demuxer
    let decoder: Decoder
    var containerKeyframes: KeyframeIndex
    let samples: SampleTable?
    var scannedKeyframes: KeyframeIndex?
    var position = DecodePosition()

    /// Opens `uri` (s3://, https://, file:// or a path) through `store`, which checks it against
    /// its access policy. Remote objects are read in small blocks: sampling jumps between GOPs and
    /// reads a little of each.
    public convenience init(uri: String, store: ObjectStore, limits: VideoLimits = .default, decoderThreads: Int = 0) throws {
        try self.init(reader: store.reader(for: uri, pattern: .scattered), limits: limits, decoderThreads: decoderThreads)
    }

    /// Opens the video `reader` holds: reads the container header (and index), checks the limits
    /// and opens the decoder. No frame is decoded yet. `decoderThreads` 0 lets FFmpeg use every core
    /// (frame and slice threads); a caller that runs other work alongside decoding passes fewer.
    public convenience init(reader: ObjectReader, limits: VideoLimits = .default, decoderThreads: Int = 0) throws {
        try self.init(reader: reader, limits: limits, decoderThreads: decoderThreads, sibling: nil)
    }

    /// `sibling`: a reader of the same object already open, whose measurements (of a video whose
    /// container gives no duration) this one takes instead of reading the whole file again.
    init(reader: ObjectReader, limits: VideoLimits, decoderThreads: Int, sibling: VideoReader?) throws {
        try FFmpegLibraries.load(for: reader.uri)
        uri = reader.uri
        self.limits = limits
        demuxer = try Demuxer(reader: reader)
        info = Self.describe(demuxer)
        try limits.checkFrame(width: info.codedWidth, height: info.codedHeight, uri: uri)
        try limits.checkDuration(info.duration, uri: uri)
        decoder = try Decoder(stream: demuxer.stream, uri: uri, threads: decoderThreads, maximumPixels: limits.maximumPixelsPerFrame)
        containerKeyframes = KeyframeIndex.fromContainer(stream: demuxer.stream, seconds: demuxer.seconds)
        samples = SampleTable.fromContainer(stream: demuxer.stream)
        if info.duration <= 0, let sibling {
            (info.start, info.duration, info.frameCount) = (sibling.info.start, sibling.info.duration, sibling.info.frameCount)
            (containerKeyframes, scannedKeyframes) = (sibling.containerKeyframes, sibling.scannedKeyframes)
        } else if info.duration <= 0 {
            try measureDuration()
        } else if demuxer.indexGrowsWhileReading {
            // Only where the index grows as the file is read: an MP4's or AVI's is whole, however
            // few keyframes it has.
            containerKeyframes = containerKeyframes.reachingEnd(info.end, start: info.start)
        }
    }

    /// For a container that does not say how long the video is (WebM as browsers record it, raw
    /// H.264 or HEVC from a camera), one pass over the packets measures it and finds every
    /// keyframe on the way: without it there would be no time range to sample.
    private func measureDuration() throws {
        let scan = try scanPackets()
        // No frame at all: nothing to measure, and sampling says there is nothing to sample.
        guard scan.packets > 0 else { return }
        guard scan.endSeconds > 0 else {
            throw VideoIOError(.corruptData, uri: uri,
                               "the \(info.codec) stream has no timestamps and its container (\(info.container)) gives no duration: there is no time to sample at; a raw stream needs a container, e.g. `ffmpeg -r 30 -i in.\(info.codec) -c copy out.mp4`")
        }
        try limits.checkDuration(scan.endSeconds, uri: uri)
        info.duration = max(0, scan.endSeconds - info.start)
        if !info.frameCountIsExact { info.frameCount = scan.packets }
        scannedKeyframes = scan.keyframes
        containerKeyframes = scan.keyframes
    }

    deinit {
        releaseFrames()
    }

    /// What has been fetched from the object so far (bytes, requests).
    public var readStatistics: ReadStatistics { demuxer.statistics }

    /// The keyframes. From the container's index when it has one (free); otherwise every packet
    /// is read once (the whole file) and the result kept.
    public func keyframes() throws -> KeyframeIndex {
        if !containerKeyframes.isEmpty { return containerKeyframes }
        if let scannedKeyframes { return scannedKeyframes }
        let scanned = try scanPackets().keyframes
        scannedKeyframes = scanned
        return scanned
    }

    /// Frames in `duration` seconds at `frameRate`, for a container that does not count them. Both
    /// come from the file: a damaged one may claim 1e18 seconds at 1e9 frames a second, more frames
    /// than an Int holds (the duration limit then refuses it with a clear error).
    static func estimatedFrameCount(duration: Double, frameRate: Double) -> Int {
        let frames = (duration * frameRate).rounded()
        guard frames.isFinite, frames >= 0 else { return 0 }
        return frames < Double(Int32.max) ? Int(frames) : Int(Int32.max)
    }

    private static func describe(_ demuxer: Demuxer) -> VideoStreamInfo {
        let stream = demuxer.stream.pointee
        let parameters = stream.codecpar.pointee
        let format = demuxer.formatContext.pointee
        // The video's start within the file (the container's start is the earliest stream's).
        let containerStart = Double(demuxer.startTime) / Double(AV_TIME_BASE)
        let start = stream.start_time == vl_nopts_value() ? 0 : max(0, demuxer.seconds(stream.start_time))
        var duration = 0.0
        if stream.duration != vl_nopts_value() && stream.duration > 0 {
            duration = Double(stream.duration) * av_q2d(stream.time_base)
        } else if let tagged = Self.taggedDuration(demuxer.stream), tagged > containerStart + start {
            // Matroska keeps no duration per track, but FFmpeg's muxer writes a DURATION tag: the
            // container's is the longest track's, audio that outlasts the video included. The tag
            // is where the track ends on its clock, so a video that starts late lasts less.
            duration = tagged - (containerStart + start)
        } else if format.duration != vl_nopts_value() && Double(format.duration) > start * Double(AV_TIME_BASE) {
            duration = Double(format.duration) / Double(AV_TIME_BASE) - start
        }
        let average = stream.avg_frame_rate, real = stream.r_frame_rate
        let frameRate = average.num > 0 && average.den > 0 ? av_q2d(average) : (real.num > 0 && real.den > 0 ? av_q2d(real) : 0)
        let exactCount = stream.nb_frames > 0
        let frameCount = exactCount ? Int(stream.nb_frames) : estimatedFrameCount(duration: duration, frameRate: frameRate)
        let constant = average.num > 0 && real.num > 0 && av_cmp_q(average, real) == 0
        let upright = Rotation.upright(displayMatrix: vl_stream_display_matrix(demuxer.stream))
        var info = VideoStreamInfo(
            container: format.iformat.map { String(cString: $0.pointee.name) } ?? "unknown",
            codec: String(cString: avcodec_get_name(parameters.codec_id)),
            pixelFormat: av_get_pix_fmt_name(AVPixelFormat(rawValue: parameters.format)).map { String(cString: $0) } ?? "unknown",
            codedWidth: Int(parameters.width), codedHeight: Int(parameters.height),
            rotation: upright.rotation,
            duration: duration, frameRate: frameRate, frameCount: frameCount, frameCountIsExact: exactCount,
            isConstantFrameRate: constant)
        info.mirrored = upright.mirrored
        info.start = start
        return info
    }
}

extension VideoReader {
    /// The stream's DURATION tag ("HH:MM:SS.nnnnnnnnn", as FFmpeg's Matroska muxer writes it) in
    /// seconds; nil without one, or one that does not read as such.
    static func taggedDuration(_ stream: UnsafeMutablePointer<AVStream>) -> Double? {
        guard let entry = av_dict_get(stream.pointee.metadata, "DURATION", nil, 0), let value = entry.pointee.value else { return nil }
        return parsedDuration(String(cString: value))
    }

    static func parsedDuration(_ text: String) -> Double? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let hours = Int(parts[0]), let minutes = Int(parts[1]), let seconds = Double(parts[2]),
              hours >= 0, (0..<60).contains(minutes), seconds >= 0, seconds < 60 else { return nil }
        let total = Double(hours * 3600 + minutes * 60) + seconds
        return total > 0 && total.isFinite ? total : nil
    }

    /// Frees the frame the reader still holds; the demuxer and decoder free themselves.
    func releaseFrames() {
        position.reset(group: nil)
    }
}
