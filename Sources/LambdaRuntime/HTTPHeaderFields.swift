// A response head's header fields as received: looked up by name, decoded only when asked for.

/// The header fields of one response. A Runtime API head has about ten and the client reads three
/// or four, so the fields stay as byte ranges of one copy of the head and a lookup scans them:
/// building a dictionary of Strings for every response was a third of the time spent on a head
/// (perf over `bench runtime`: hashing, table allocation, decoding values nobody reads).
struct HTTPHeaderFields {
    private let bytes: [UInt8]
    /// Each field's name and (trimmed) value, in order of arrival.
    private let fields: [(name: Range<Int>, value: Range<Int>)]

    init(bytes: [UInt8], fields: [(name: Range<Int>, value: Range<Int>)]) {
        self.bytes = bytes
        self.fields = fields
    }

    init() { self.init(bytes: [], fields: []) }

    /// The value of the field `name` (lower-case ASCII; HTTP names match without regard to case),
    /// the last one when a field is repeated, or nil.
    subscript(name: String) -> String? {
        var wanted = name
        return wanted.withUTF8 { wanted in
            for field in fields.reversed() where field.name.count == wanted.count {
                if zip(bytes[field.name], wanted).allSatisfy({ Self.lowercased($0) == $1 }) {
                    return String(decoding: bytes[field.value], as: UTF8.self)
                }
            }
            return nil
        }
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte }
}
