// A tiny 5x7 pixel font (digits, '.', 's', '#', space) for labelling frames with their timestamps.

/// Draws short labels such as "12.345s #371" without a font library.
enum BitmapFont {
    static let glyphWidth = 5
    static let glyphHeight = 7

    /// Each glyph is 7 rows of 5 bits, the leftmost pixel in the highest bit.
    private static let glyphs: [Character: [UInt8]] = [
        "0": [0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110],
        "1": [0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
        "2": [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111],
        "3": [0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110],
        "4": [0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010],
        "5": [0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110],
        "6": [0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110],
        "7": [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000],
        "8": [0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110],
        "9": [0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100],
        ".": [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b01100],
        "s": [0b00000, 0b00000, 0b01111, 0b10000, 0b01110, 0b00001, 0b11110],
        "#": [0b01010, 0b01010, 0b11111, 0b01010, 0b11111, 0b01010, 0b01010],
        " ": [0, 0, 0, 0, 0, 0, 0],
    ]

    /// Width in pixels of `text` drawn at `scale` (one blank column between glyphs).
    static func width(of text: String, scale: Int) -> Int {
        text.isEmpty ? 0 : (text.count * (glyphWidth + 1) - 1) * scale
    }

    /// Draws `text` with its top-left corner at (x, y); characters without a glyph are skipped.
    static func draw(_ text: String, into image: inout RGBImage, x: Int, y: Int, scale: Int, color: (UInt8, UInt8, UInt8)) {
        var left = x
        for character in text {
            if let rows = glyphs[character] {
                for (row, bits) in rows.enumerated() {
                    for column in 0..<glyphWidth where bits & (1 << (glyphWidth - 1 - column)) != 0 {
                        image.fill(x: left + column * scale, y: y + row * scale, width: scale, height: scale, color: color)
                    }
                }
            }
            left += (glyphWidth + 1) * scale
        }
    }
}
