// Hand-written JSON text for the few fixed-shape records the runtime emits on its hot path.

enum JSONText {
    /// A JSON string literal for `value`, with the escapes RFC 8259 requires (the same writer
    /// `JSONValue` uses).
    static func quoted(_ value: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count + 2)
        JSONValue.write(string: value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
