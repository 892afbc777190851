// AWS's event stream framing (application/vnd.amazon.eventstream), in which InvokeWithResponseStream
// sends its PayloadChunk and InvokeComplete events: each message is a prelude (total length,
// headers length, the prelude's CRC-32), headers, the payload, and the message's CRC-32, all
// big-endian. The AWS SDKs check both checksums.

enum EventStreamMessage {
    /// An event message of `eventType` carrying `payload` as `contentType`.
    static func event(_ eventType: String, contentType: String, payload: [UInt8]) -> [UInt8] {
        encode(headers: [(":event-type", eventType), (":content-type", contentType), (":message-type", "event")], payload: payload)
    }

    /// One message with string-valued `headers`.
    static func encode(headers: [(String, String)], payload: [UInt8]) -> [UInt8] {
        var headerBytes: [UInt8] = []
        for (name, value) in headers {
            headerBytes.append(UInt8(name.utf8.count))
            headerBytes += name.utf8
            headerBytes.append(stringType)
            headerBytes += bigEndian(UInt16(value.utf8.count))
            headerBytes += value.utf8
        }
        let total = preludeBytes + headerBytes.count + payload.count + checksumBytes
        var message = bigEndian(UInt32(total)) + bigEndian(UInt32(headerBytes.count))
        message += bigEndian(CRC32.checksum(message))
        message += headerBytes
        message += payload
        message += bigEndian(CRC32.checksum(message))
        return message
    }

    /// The header value type for a UTF-8 string.
    private static let stringType: UInt8 = 7
    /// Total length, headers length and the prelude's checksum.
    private static let preludeBytes = 12
    private static let checksumBytes = 4

    private static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as zlib computes it.
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1 }
        return value
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
