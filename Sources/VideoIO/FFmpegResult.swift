// FFmpeg's negative return codes as readable text, and the few codes VideoIO reacts to.
import CFFmpeg
import Glibc

/// Helpers around FFmpeg's `int` results (negative = AVERROR code).
enum FFmpegResult {
    static let endOfFile = vl_averror_eof()
    static let again = vl_averror(EAGAIN)
    static let invalidData = vl_averror_invaliddata()
    static let noMemory = vl_averror(ENOMEM)

    /// FFmpeg's own message for `code`, e.g. "Invalid data found when processing input".
    static func message(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        if av_strerror(code, &buffer, buffer.count) < 0 { return "FFmpeg error \(code)" }
        return String(cString: buffer)
    }
}
