// FFmpeg is loaded on first use (CFFmpegLoader), not at process start: this is where VideoIO asks for
// it, so that a missing library is a clear error instead of a crash inside a decode.
import CFFmpegLoader
import Foundation

public enum FFmpegLibraries {
    /// nil once loaded, else why not.
    private static let failure: String? = {
        var message = [CChar](repeating: 0, count: 512)
        guard vl_ffmpeg_load(&message, message.count) == 0 else {
            return message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }
        _ = FFmpegLogging.configure
        return nil
    }()

    /// Loads FFmpeg (once per process) and sets its log level; throws, naming `uri`, if its
    /// libraries are missing.
    public static func load(for uri: String = "") throws(VideoIOError) {
        if let failure { throw VideoIOError(.internalFailure, uri: uri, failure) }
    }

    /// Starts loading FFmpeg on a background thread, so that it overlaps other start-up work (a
    /// function's model load) instead of adding to the first invocation.
    public static func startLoading() {
        Thread.detachNewThread { _ = try? load() }
    }
}
