// The quarter turns a display matrix asks for, as the ffmpeg CLI reads it.
import CFFmpeg

/// How far a decoded picture must be turned clockwise to be shown upright.
///
/// Phones store portrait video as landscape frames plus a display matrix; players (and the ffmpeg
/// CLI, whose output our tests compare against) turn the picture when showing it, so models must
/// see it turned too. Only quarter turns exist in practice; other angles round to the nearest one.
public enum Rotation: Int, Sendable, CaseIterable {
    case none = 0
    case clockwise90 = 90
    case upsideDown = 180
    case clockwise270 = 270

    /// From a stream's display matrix (`nil` when it has none).
    ///
    /// `av_display_rotation_get` gives the counter-clockwise angle the matrix applies; turning the
    /// picture upright takes the opposite angle, which is what the CLI's autorotation does
    /// (90 → transpose=clock, 270 → transpose=cclock).
    init(displayMatrix: UnsafePointer<Int32>?) {
        guard let displayMatrix else { self = .none; return }
        let counterClockwise = av_display_rotation_get(displayMatrix)
        guard counterClockwise.isFinite else { self = .none; return }
        let quarterTurns = Int((-counterClockwise / 90).rounded())
        self = Rotation(rawValue: ((quarterTurns % 4 + 4) % 4) * 90) ?? .none
    }

    /// True when width and height trade places.
    public var swapsDimensions: Bool { self == .clockwise90 || self == .clockwise270 }
}
