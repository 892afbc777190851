// HTTP/1.1 response framing for the Runtime API client: the status line and headers, then a body
// delimited by Content-Length, the chunked transfer coding, or the end of the connection (RFC 9112 §6).

/// A status, the response's header fields and the body.
struct HTTPResponse {
    var status: Int = 0
    var headers = HTTPHeaderFields()
    var body: [UInt8] = []
}

/// Why received bytes are not an HTTP/1.1 response.
struct HTTPFramingError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum HTTPResponseFraming {
    /// How the body after a head ends.
    enum BodyLength: Equatable {
        case none
        case exactly(Int)
        case chunked
        /// No length given: the body is everything until the server closes the connection.
        case untilClose
    }

    struct Head {
        var status: Int
        var headers: HTTPHeaderFields
        /// Offset of the first body byte (just past the blank line).
        var bodyStart: Int
        var bodyLength: BodyLength
        /// False when the server will close the connection after this response.
        var keepAlive: Bool
        /// 1xx: another head follows, the response itself has not started.
        var isInformational: Bool { (100..<200).contains(status) }
    }

    /// Heads larger than this are refused: a Runtime API head is a few hundred bytes.
    static let maximumHeadBytes = 64 * 1024

    /// Declared bodies larger than this are refused before any memory is set aside for them: Lambda's
    /// events are at most 6 MB, so a Content-Length of terabytes is a broken API, not an event.
    static let maximumBodyBytes = 64 * 1024 * 1024

    /// Bytes received for one response, head and framing included, beyond which it is refused: a
    /// body read until the connection closes, or chunked with tiny chunks, declares no length to check.
    static let maximumResponseBytes = maximumHeadBytes + 2 * maximumBodyBytes

    /// Parses a head from the start of `bytes`, or returns nil when its blank line has not arrived yet.
    static func head(_ bytes: UnsafeBufferPointer<UInt8>) throws(HTTPFramingError) -> Head? {
        guard let end = blankLine(in: bytes) else {
            if bytes.count > maximumHeadBytes { throw HTTPFramingError("response head longer than \(maximumHeadBytes) bytes") }
            return nil
        }
        var lines = HeadLines(bytes: bytes, end: end)
        guard let statusLine = lines.next() else { throw HTTPFramingError("empty response head") }
        let (status, minorVersion) = try parseStatusLine(statusLine)
        // Room for a Runtime API head's fields (about ten) without growing the array as they come.
        var fields: [(name: Range<Int>, value: Range<Int>)] = []
        fields.reserveCapacity(16)
        while let line = lines.next() {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else {
                throw HTTPFramingError("malformed header line '\(String(decoding: line.prefix(80), as: UTF8.self))'")
            }
            let value = trimmed(line[(colon + 1)...])
            fields.append((line.startIndex..<colon, value.startIndex..<value.endIndex))
        }
        let headers = HTTPHeaderFields(bytes: Array(bytes[..<end]), fields: fields)
        let connection = headers["connection"]
        let keepAlive = minorVersion >= 1 ? !hasToken(connection, "close") : hasToken(connection, "keep-alive")
        let bodyLength = try length(status: status, headers: headers)
        return Head(status: status, headers: headers, bodyStart: end + 4, bodyLength: bodyLength,
                    keepAlive: keepAlive && bodyLength != .untilClose)
    }

    /// Decodes a chunked body from the start of `bytes`: the body and the offset just past its last
    /// chunk and trailers, or nil when the end has not arrived yet.
    static func chunkedBody(_ bytes: UnsafeBufferPointer<UInt8>) throws(HTTPFramingError) -> (body: [UInt8], end: Int)? {
        var progress = ChunkedProgress()
        guard let end = try chunkedBody(bytes, progress: &progress) else { return nil }
        return (progress.body, end)
    }

    /// What a chunked body has given so far: the chunks decoded, and where the next one starts.
    struct ChunkedProgress {
        var body: [UInt8] = []
        var position = 0
    }

    /// Decodes the chunks of `bytes` (a chunked body from its start, as much as has arrived) that
    /// `progress` has not taken yet, so that a body arriving in many reads is decoded once, not
    /// again from its start at each read (a 6 MB event in 4 KB chunks took ~110 ms that way).
    /// Returns the offset just past the last chunk and trailers, or nil when the end has not arrived.
    static func chunkedBody(_ bytes: UnsafeBufferPointer<UInt8>, progress: inout ChunkedProgress) throws(HTTPFramingError) -> Int? {
        var position = progress.position
        // A chunk is taken whole or not at all: an incomplete one is read again, from its size line.
        defer { progress.position = position }
        while true {
            guard let lineEnd = crlf(in: bytes, from: position) else { return nil }
            // chunk-size [; extensions] CRLF
            var size = 0, digits = 0
            for byte in bytes[position..<lineEnd] {
                guard let digit = hexValue(byte) else { break }
                guard size <= (Int.max >> 4) else { throw HTTPFramingError("chunk size overflows") }
                size = size << 4 | digit
                digits += 1
            }
            guard digits > 0 else { throw HTTPFramingError("malformed chunk size line") }
            // Checked before any arithmetic with it (a size near Int.max overflowed the bounds check).
            guard size <= maximumBodyBytes - progress.body.count else {
                throw HTTPFramingError("a chunked body over the \(maximumBodyBytes)-byte limit of a Runtime API body")
            }
            let dataStart = lineEnd + 2
            if size == 0 {
                // Trailer fields, each one line, then an empty line.
                var trailer = dataStart
                while true {
                    guard let trailerEnd = crlf(in: bytes, from: trailer) else { return nil }
                    let empty = trailerEnd == trailer
                    trailer = trailerEnd + 2
                    if empty {
                        position = trailer
                        return position
                    }
                }
            }
            guard bytes.count - dataStart >= size + 2 else { return nil }
            guard bytes[dataStart + size] == 0x0D, bytes[dataStart + size + 1] == 0x0A else { throw HTTPFramingError("chunk data not followed by CRLF") }
            progress.body.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[dataStart..<dataStart + size]))
            position = dataStart + size + 2
        }
    }

    // MARK: - Pieces

    private static func length(status: Int, headers: HTTPHeaderFields) throws(HTTPFramingError) -> BodyLength {
        if (100..<200).contains(status) || status == 204 || status == 304 { return .none }
        if let coding = headers["transfer-encoding"] {
            guard hasToken(coding, "chunked") else { throw HTTPFramingError("unsupported Transfer-Encoding '\(coding)'") }
            return .chunked
        }
        if let text = headers["content-length"] {
            guard let length = Int(text), length >= 0 else { throw HTTPFramingError("invalid Content-Length '\(text)'") }
            guard length <= maximumBodyBytes else {
                throw HTTPFramingError("Content-Length \(length) is over the \(maximumBodyBytes)-byte limit of a Runtime API body")
            }
            return length == 0 ? .none : .exactly(length)
        }
        return .untilClose
    }

    /// Whether a comma-separated header value lists `token` (lower-case ASCII), ignoring case.
    /// Byte work: String's case mapping and substring search cost more than the rest of the head.
    private static func hasToken(_ value: String?, _ token: StaticString) -> Bool {
        guard let value else { return false }
        let wanted = UnsafeBufferPointer(start: token.utf8Start, count: token.utf8CodeUnitCount)
        var matches = false
        for element in value.utf8.split(separator: UInt8(ascii: ",")) {
            let candidate = trimmed(element)
            if candidate.count == wanted.count && zip(candidate, wanted).allSatisfy({ ($0 | 0x20) == $1 || $0 == $1 }) { matches = true }
        }
        return matches
    }

    /// "HTTP/1.x NNN reason" → (NNN, x).
    private static func parseStatusLine(_ line: Slice<UnsafeBufferPointer<UInt8>>) throws(HTTPFramingError) -> (Int, Int) {
        let text = Array(line)
        guard text.count >= 12, text.starts(with: "HTTP/1.".utf8), text[8] == 0x20,
              let minor = decimal(text[7]), let a = decimal(text[9]), let b = decimal(text[10]), let c = decimal(text[11]),
              text.count == 12 || text[12] == 0x20 else {
            throw HTTPFramingError("malformed status line '\(String(decoding: text.prefix(80), as: UTF8.self))'")
        }
        return (a * 100 + b * 10 + c, minor)
    }

    private struct HeadLines {
        let bytes: UnsafeBufferPointer<UInt8>
        let end: Int
        var position = 0

        init(bytes: UnsafeBufferPointer<UInt8>, end: Int) {
            self.bytes = bytes
            self.end = end
        }

        mutating func next() -> Slice<UnsafeBufferPointer<UInt8>>? {
            guard position < end else { return nil }
            let lineEnd = HTTPResponseFraming.crlf(in: bytes, from: position).map { Swift.min($0, end) } ?? end
            defer { position = lineEnd + 2 }
            return bytes[position..<lineEnd]
        }
    }

    /// Offset of the CRLF CRLF that ends the head.
    private static func blankLine(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var i = 0
        while i + 3 < bytes.count {
            if bytes[i + 3] != 0x0A { i += bytes[i + 3] == 0x0D ? 1 : 4; continue }
            if bytes[i] == 0x0D && bytes[i + 1] == 0x0A && bytes[i + 2] == 0x0D { return i }
            i += 1
        }
        return nil
    }

    private static func crlf(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var i = start
        while i + 1 < bytes.count {
            if bytes[i] == 0x0D && bytes[i + 1] == 0x0A { return i }
            i += 1
        }
        return nil
    }

    /// `bytes` without leading and trailing spaces and tabs.
    private static func trimmed<Bytes: BidirectionalCollection>(_ bytes: Bytes) -> Bytes.SubSequence where Bytes.Element == UInt8 {
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        guard let first = bytes.firstIndex(where: { !isBlank($0) }), let last = bytes.lastIndex(where: { !isBlank($0) }) else {
            return bytes[bytes.endIndex...]
        }
        return bytes[first...last]
    }

    private static func decimal(_ byte: UInt8) -> Int? {
        (0x30...0x39).contains(byte) ? Int(byte - 0x30) : nil
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: return Int(byte - 0x30)
        case 0x41...0x46: return Int(byte - 0x41 + 10)
        case 0x61...0x66: return Int(byte - 0x61 + 10)
        default: return nil
        }
    }
}
