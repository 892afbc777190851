// The libswscale filters a caller may pick for resizing, by the names the ffmpeg CLI uses.
import CFFmpeg

/// A resampling filter. `bilinear` is the default, as in the ffmpeg CLI's scale filter, so
/// tests can compare our pixels with `-vf scale=W:H:flags=bilinear`.
public enum ScalingAlgorithm: String, Sendable, CaseIterable {
    case bilinear
    case fastBilinear = "fast_bilinear"
    case bicubic
    case area
    case nearest = "neighbor"
    case lanczos

    var swsFlags: Int32 {
        switch self {
        case .bilinear: return SWS_BILINEAR
        case .fastBilinear: return SWS_FAST_BILINEAR
        case .bicubic: return SWS_BICUBIC
        case .area: return SWS_AREA
        case .nearest: return SWS_POINT
        case .lanczos: return SWS_LANCZOS
        }
    }
}
