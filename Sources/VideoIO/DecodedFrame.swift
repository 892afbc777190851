// One decoded, upright frame in the decoder's pixel format, with its timestamp and index.
import CFFmpeg

/// A frame as the reader hands it out: already turned upright, still in the decoder's pixel
/// format (usually YUV 4:2:0), so that resizing to the model's input is one libswscale pass.
/// Frames share their pixels by reference counting; reading them from several threads is safe.
public final class DecodedFrame: @unchecked Sendable {
    /// When the frame is shown, in seconds from the start of the file.
    public let timestamp: Double
    /// The timestamp that was asked for; the frame is the first shown at or after it.
    public let requestedTimestamp: Double
    /// Position in presentation order, when the frame rate is constant (nil otherwise).
    public let index: Int?
    public let isKeyframe: Bool
    /// True when the decoder reported damage in this frame or in data it depends on.
    public let isDamaged: Bool
    /// How wide a pixel is shown relative to its height: 1 for square pixels; another value for
    /// anamorphic video (DVD, HDV: 1440x1080 shown as 1920x1080 has 4/3), whose picture a player
    /// widens to `width * pixelAspectRatio` x `height`. Already turned with the picture.
    public let pixelAspectRatio: Double
    let uri: String
    let frame: UnsafeMutablePointer<AVFrame>

    init(taking frame: UnsafeMutablePointer<AVFrame>, timestamp: Double, requestedTimestamp: Double,
         index: Int?, isDamaged: Bool, pixelAspectRatio: Double = 1, uri: String) {
        self.frame = frame
        self.timestamp = timestamp
        self.requestedTimestamp = requestedTimestamp
        self.index = index
        self.isKeyframe = frame.pointee.key_frame != 0
        self.isDamaged = isDamaged
        self.pixelAspectRatio = pixelAspectRatio
        self.uri = uri
    }

    deinit {
        freeFrame(frame)
    }

    public var width: Int { Int(frame.pointee.width) }
    public var height: Int { Int(frame.pointee.height) }
    /// The picture's shape as a player shows it: the width scaled by the pixel aspect ratio.
    public var displayWidth: Double { Double(width) * pixelAspectRatio }
    public var pixelFormat: String {
        av_get_pix_fmt_name(AVPixelFormat(rawValue: frame.pointee.format)).map { String(cString: $0) } ?? "unknown"
    }

    /// The frame as packed RGB at width x height (its own size by default), resized with `algorithm`.
    public func rgb(width: Int? = nil, height: Int? = nil, algorithm: ScalingAlgorithm = .bilinear) throws -> RGBImage {
        let targetWidth = width ?? self.width, targetHeight = height ?? self.height
        guard targetWidth > 0, targetHeight > 0 else {
            throw VideoIOError(.invalidRequest, uri: uri, "cannot resize a frame to \(targetWidth)x\(targetHeight); give a positive size")
        }
        return try FrameScaler.scale(frame, width: targetWidth, height: targetHeight, algorithm: algorithm, uri: uri)
    }
}
