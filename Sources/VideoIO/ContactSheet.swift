// Many frames in one picture, in a grid, each labelled with its timestamp.

/// Lays frames out left to right, top to bottom, each shrunk to fit a cell (aspect kept) with its
/// label underneath: a glance at what a sampling plan picked.
public enum ContactSheet {
    public static func make(_ frames: [(image: RGBImage, label: String)], cellWidth: Int = 320) throws -> RGBImage {
        guard !frames.isEmpty else {
            throw VideoIOError(.invalidRequest, uri: "contact sheet", "no frames to draw")
        }
        let columns = Int(Double(frames.count).squareRoot().rounded(.up))
        let rows = (frames.count + columns - 1) / columns
        // Cells share the widest frame's aspect; no frame is enlarged.
        let widest = frames.map(\.image.width).max()!
        let width = min(cellWidth, widest)
        let height = frames.map { max(1, Int((Double($0.image.height) * Double(width) / Double($0.image.width)).rounded())) }.max()!
        let scale = 2, margin = 6
        let labelHeight = BitmapFont.glyphHeight * scale + 2 * margin
        var sheet = RGBImage(width: margin + columns * (width + margin), height: margin + rows * (height + labelHeight),
                             fill: (32, 32, 32))
        for (position, frame) in frames.enumerated() {
            let x = margin + (position % columns) * (width + margin)
            let y = margin + (position / columns) * (height + labelHeight)
            let fitted = try fit(frame.image, width: width, height: height)
            sheet.draw(fitted, x: x + (width - fitted.width) / 2, y: y + (height - fitted.height) / 2)
            let textWidth = BitmapFont.width(of: frame.label, scale: scale)
            BitmapFont.draw(frame.label, into: &sheet, x: x + max(0, (width - textWidth) / 2), y: y + height + margin,
                            scale: scale, color: (255, 255, 255))
        }
        return sheet
    }

    /// `image` shrunk (never enlarged) to fit width x height, aspect kept.
    private static func fit(_ image: RGBImage, width: Int, height: Int) throws -> RGBImage {
        let scale = min(1, min(Double(width) / Double(image.width), Double(height) / Double(image.height)))
        if scale == 1 { return image }
        return try image.resized(width: max(1, Int((Double(image.width) * scale).rounded())),
                                 height: max(1, Int((Double(image.height) * scale).rounded())))
    }
}
