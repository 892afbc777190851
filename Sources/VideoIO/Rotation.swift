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

    /// The turn and mirroring a display matrix asks for, as the ffmpeg CLI (5.1, Debian's) reads
    /// it: a matrix that also mirrors is shown by a transpose at 90 and 270 degrees (the turn, then
    /// a flip left to right) and by a left-right flip at 180 when its second row is not turned too.
    /// A mirror with no turn (a vertical flip alone) the CLI ignores, and so does this.
    static func upright(displayMatrix: UnsafePointer<Int32>?) -> (rotation: Rotation, mirrored: Bool) {
        let rotation = Rotation(displayMatrix: displayMatrix)
        guard let displayMatrix else { return (rotation, false) }
        switch rotation {
        case .clockwise90: return (rotation, displayMatrix[3] > 0)
        case .clockwise270: return (rotation, displayMatrix[3] < 0)
        case .upsideDown: return displayMatrix[4] < 0 ? (rotation, false) : (.none, true)
        case .none: return (rotation, false)
        }
    }

    /// True when width and height trade places.
    public var swapsDimensions: Bool { self == .clockwise90 || self == .clockwise270 }
}
