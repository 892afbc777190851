// How a frame is fitted to the model's input size: stretched, cropped to fill, or letterboxed.

/// The three usual ways of making a W x H input from a frame of another shape.
public enum ResizeMode: Sendable, Equatable {
    /// Resize to exactly W x H; the picture is distorted when the aspect ratios differ.
    case stretch
    /// Resize so the picture covers W x H (its shorter side fits), then cut the centre: what
    /// ImageNet-style classifiers are trained on ("resize 256, center crop 224").
    case centerCrop
    /// Resize the shorter side to `shorterSide` (keeping the aspect ratio), then cut the centre
    /// W x H: the classic ImageNet evaluation ("resize 256, crop 224") with a margin cropped away.
    case shorterSideThenCrop(shorterSide: Int)
    /// Stretch to `width` x `height`, then cut the centre W x H (open_nsfw's reference: 256x256, 224).
    case stretchThenCrop(width: Int, height: Int)
    /// Resize so the whole picture fits inside W x H, centred, with the rest filled with `padding`
    /// (one gray level in 0...255, before normalization): what detectors usually expect.
    case letterbox(padding: UInt8)

    /// Where the resized picture goes: its size, and its top-left corner in the W x H canvas
    /// (negative for a crop, positive for letterbox bars).
    struct Placement: Equatable {
        var width: Int
        var height: Int
        var x: Int
        var y: Int
    }

    /// The source's size is the one it is shown at (a Double: an anamorphic frame's display width
    /// is its stored width times its pixel aspect ratio), so that cropping and letterboxing keep
    /// the shape a viewer sees; the stretching modes do not depend on it.
    func placement(sourceWidth: Double, sourceHeight: Double, width: Int, height: Int) -> Placement {
        let scaleX = Double(width) / sourceWidth, scaleY = Double(height) / sourceHeight
        switch self {
        case .stretch:
            return Placement(width: width, height: height, x: 0, y: 0)
        case .centerCrop:
            let scale = max(scaleX, scaleY)
            let resizedWidth = max(width, Int((sourceWidth * scale).rounded()))
            let resizedHeight = max(height, Int((sourceHeight * scale).rounded()))
            return Placement(width: resizedWidth, height: resizedHeight, x: -((resizedWidth - width) / 2), y: -((resizedHeight - height) / 2))
        case .shorterSideThenCrop(let shorterSide):
            let scale = Double(max(shorterSide, width, height)) / min(sourceWidth, sourceHeight)
            let resizedWidth = max(width, Int((sourceWidth * scale).rounded()))
            let resizedHeight = max(height, Int((sourceHeight * scale).rounded()))
            return Placement(width: resizedWidth, height: resizedHeight, x: -((resizedWidth - width) / 2), y: -((resizedHeight - height) / 2))
        case .stretchThenCrop(let stretchedWidth, let stretchedHeight):
            let resizedWidth = max(width, stretchedWidth), resizedHeight = max(height, stretchedHeight)
            return Placement(width: resizedWidth, height: resizedHeight, x: -((resizedWidth - width) / 2), y: -((resizedHeight - height) / 2))
        case .letterbox:
            let scale = min(scaleX, scaleY)
            let resizedWidth = min(width, max(1, Int((sourceWidth * scale).rounded())))
            let resizedHeight = min(height, max(1, Int((sourceHeight * scale).rounded())))
            return Placement(width: resizedWidth, height: resizedHeight, x: (width - resizedWidth) / 2, y: (height - resizedHeight) / 2)
        }
    }
}
