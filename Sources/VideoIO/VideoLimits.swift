// Limits a video must stay within before we spend memory and time on it.

/// Bounds checked when a video is opened (and again on every decoded frame, since a stream may
/// change size mid-way). The defaults suit a Lambda function with a few GB of memory and 15 minutes.
public struct VideoLimits: Sendable, Equatable {
    /// Pixels per frame (width x height). A 4K UHD frame is 8.3 million; above that a batch of
    /// decoded frames no longer fits comfortably in a function's memory.
    public var maximumPixelsPerFrame: Int
    /// Seconds of video. Sampling cost does not grow with length, but a multi-hour file is usually
    /// a mistake (a stream dump, a wrong key) worth refusing with a clear message.
    public var maximumDurationSeconds: Double
    /// Frames one request may ask for: each one is held decoded until it is preprocessed.
    public var maximumFramesPerRequest: Int

    public static let defaultMaximumPixelsPerFrame = 3840 * 2160
    public static let defaultMaximumDurationSeconds: Double = 3 * 3600
    public static let defaultMaximumFramesPerRequest = 1024

    public init(maximumPixelsPerFrame: Int = defaultMaximumPixelsPerFrame,
                maximumDurationSeconds: Double = defaultMaximumDurationSeconds,
                maximumFramesPerRequest: Int = defaultMaximumFramesPerRequest) {
        self.maximumPixelsPerFrame = maximumPixelsPerFrame
        self.maximumDurationSeconds = maximumDurationSeconds
        self.maximumFramesPerRequest = maximumFramesPerRequest
    }

    public static let `default` = VideoLimits()

    /// Whether a width x height picture is a real one within the pixel limit, counted without
    /// overflow: the sizes may come from a request, a function's settings or a file.
    func holds(width: Int, height: Int) -> Bool {
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        return width > 0 && height > 0 && !overflow && pixels <= maximumPixelsPerFrame
    }

    /// Throws `tooManyPixels` when a width x height frame is over the limit.
    func checkFrame(width: Int, height: Int, uri: String) throws {
        guard width * height <= maximumPixelsPerFrame else {
            throw VideoIOError(.tooManyPixels, uri: uri,
                               "\(width)x\(height) is \(width * height) pixels per frame, over the limit of \(maximumPixelsPerFrame); downscale the video or raise maximumPixelsPerFrame")
        }
    }

    /// Throws `tooLong` when `seconds` is over the limit.
    func checkDuration(_ seconds: Double, uri: String) throws {
        guard seconds <= maximumDurationSeconds else {
            throw VideoIOError(.tooLong, uri: uri,
                               "the video lasts \(Self.format(seconds)) s, over the limit of \(Self.format(maximumDurationSeconds)) s; cut it into shorter parts or raise maximumDurationSeconds")
        }
    }

    /// A number of seconds (or frames) for a message: whole ones as integers, others to the
    /// millisecond, and the implausible ones a request or a damaged file may hold as they are.
    public static func format(_ seconds: Double) -> String {
        // Whole seconds print as integers only while they are plausible ones: a time from a request
        // or a damaged file may be 1e300, which no Int holds.
        if seconds == seconds.rounded(), abs(seconds) < 1e15 { return String(Int(seconds)) }
        return abs(seconds) >= 0.001 ? threeDecimals(seconds) : "\(seconds)"
    }

    /// `value` to the millisecond, always with three decimals ("12.500"); a value too large for
    /// that (from a request or a damaged file) as it is. For messages: the product with 1000 is
    /// rounded, halves away from zero, where printf's "%.3f" rounds the exact binary value
    /// (1.2345 gives "1.235" here, "1.234" there).
    static func threeDecimals(_ value: Double) -> String {
        guard abs(value) < 1e15 else { return "\(value)" }
        let thousandths = Int64((abs(value) * 1000).rounded())
        let fraction = String(thousandths % 1000)
        let sign = value < 0 && thousandths > 0 ? "-" : ""
        return "\(sign)\(thousandths / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
