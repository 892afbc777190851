// FFmpeg is loaded on first use (CFFmpegLoader), not at process start: this is where VideoIO asks for
// it, so that a missing library is a clear error instead of a crash inside a decode.
import CFFmpegLoader
import Dispatch

public enum FFmpegLibraries {
    /// nil once loaded, else why not.
    private static let failure: String? = {
        if let failure = vl_ffmpeg_load() { return String(cString: failure) }
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
        DispatchQueue.global(qos: .userInitiated).async { _ = try? load() }
    }
}
