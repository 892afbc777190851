// One request/response on a reused libcurl easy handle, with headers and body collected in Swift.
import CCurl

/// A status, the response headers (names lower-cased) and the body.
struct CurlResponse {
    var status: Int = 0
    var headers: [String: String] = [:]
    var body: [UInt8] = []
}

enum CurlExchange {
    enum Outcome {
        case success(CurlResponse)
        case failure(String)
    }

    /// Runs one exchange. The handle keeps its connection between calls (keep-alive); options that
    /// differ between calls are set every time so nothing leaks from the previous one.
    static func run(handle: UnsafeMutableRawPointer, method: String, url: String, headers: [String], body: [UInt8]?) -> Outcome {
        let collector = Collector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        // Expect: 100-continue would cost a round trip on every large POST.
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for header in headers + ["Expect:"] { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }

        vl_curl_setopt_ptr(handle, CURLOPT_URL, url)
        vl_curl_setopt_ptr(handle, CURLOPT_HTTPHEADER, list)
        vl_curl_setopt_write(handle, CURLOPT_WRITEFUNCTION, collectBody)
        vl_curl_setopt_ptr(handle, CURLOPT_WRITEDATA, context)
        vl_curl_setopt_write(handle, CURLOPT_HEADERFUNCTION, collectHeader)
        vl_curl_setopt_ptr(handle, CURLOPT_HEADERDATA, context)
        vl_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        vl_curl_setopt_long(handle, CURLOPT_TCP_NODELAY, 1)
        vl_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, 2000)
        // No overall timeout: GET next legitimately blocks for as long as there is no work.
        vl_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, 0)

        let code: CURLcode
        if method == "POST" {
            let payload = body ?? []
            code = payload.withUnsafeBytes { bytes in
                vl_curl_setopt_long(handle, CURLOPT_POST, 1)
                vl_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count))
                vl_curl_setopt_ptr(handle, CURLOPT_POSTFIELDS, bytes.count > 0 ? bytes.baseAddress : UnsafeRawPointer(("" as StaticString).utf8Start))
                return curl_easy_perform(handle)
            }
        } else {
            vl_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
            code = curl_easy_perform(handle)
        }
        guard code == CURLE_OK else {
            return .failure(String(cString: curl_easy_strerror(code)))
        }
        var status = 0
        vl_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(CurlResponse(status: status, headers: collector.headers, body: collector.body))
    }

    final class Collector {
        var headers: [String: String] = [:]
        var body: [UInt8] = []
    }
}

private func collectBody(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let data, let context else { return 0 }
    let collector = Unmanaged<CurlExchange.Collector>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    data.withMemoryRebound(to: UInt8.self, capacity: length) {
        collector.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
    }
    return length
}

private func collectHeader(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let data, let context else { return 0 }
    let collector = Unmanaged<CurlExchange.Collector>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    // Parsed as bytes: this runs for every header of every call, and Character-level String work
    // here costs more than the rest of the runtime's own per-invocation work.
    data.withMemoryRebound(to: UInt8.self, capacity: length) { start in
        let line = UnsafeBufferPointer(start: start, count: length)
        // A new status line (e.g. after 100 Continue) starts a new header block.
        if line.starts(with: "HTTP/".utf8) {
            collector.headers.removeAll()
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        var first = colon + 1, last = length
        while first < last && isSpace(line[first]) { first += 1 }
        while last > first && isSpace(line[last - 1]) { last -= 1 }
        // Header names are ASCII: lower-case them byte by byte.
        let name = String(unsafeUninitializedCapacity: colon) { buffer in
            for i in 0..<colon {
                let byte = line[i]
                buffer[i] = byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
            }
            return colon
        }
        collector.headers[name] = String(decoding: UnsafeBufferPointer(rebasing: line[first..<last]), as: UTF8.self)
    }
    return length
}
