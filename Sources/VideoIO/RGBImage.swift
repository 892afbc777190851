// A packed 8-bit RGB picture: what PNG files, contact sheets and pixel comparisons work on.

/// Width x height pixels, 3 bytes each (R, G, B), rows packed with no padding.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    /// A picture filled with one colour.
    public init(width: Int, height: Int, fill: (UInt8, UInt8, UInt8) = (0, 0, 0)) {
        precondition(width > 0 && height > 0, "an image needs a positive size, not \(width)x\(height)")
        self.width = width
        self.height = height
        var row = [UInt8]()
        row.reserveCapacity(width * 3)
        for _ in 0..<width { row += [fill.0, fill.1, fill.2] }
        pixels = Array([[UInt8]](repeating: row, count: height).joined())
    }

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "\(pixels.count) bytes for a \(width)x\(height) RGB image")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Copies `image` with its top-left corner at (x, y), clipping what falls outside.
    public mutating func draw(_ image: RGBImage, x: Int, y: Int) {
        let left = max(0, x), right = min(width, x + image.width)
        guard left < right else { return }
        for row in max(0, y)..<min(height, y + image.height) {
            let source = ((row - y) * image.width + (left - x)) * 3
            let target = (row * width + left) * 3
            pixels.replaceSubrange(target..<(target + (right - left) * 3),
                                   with: image.pixels[source..<(source + (right - left) * 3)])
        }
    }

    /// Fills the rectangle at (x, y) of size w x h, clipped to the picture.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: (UInt8, UInt8, UInt8)) {
        for row in max(0, y)..<min(height, y + h) {
            for column in max(0, x)..<min(width, x + w) {
                let offset = (row * width + column) * 3
                pixels[offset] = color.0
                pixels[offset + 1] = color.1
                pixels[offset + 2] = color.2
            }
        }
    }
}
