// How loud FFmpeg's own log is: quiet by default, since our errors already say what went wrong.
import CFFmpeg
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

enum FFmpegLogging {
    /// FFmpeg writes decoder complaints about damaged data straight to stderr; in a Lambda that
    /// would flood the function's log with lines no user can act on. VIDEO_LAMBDA_FFMPEG_LOG
    /// (quiet, error, warning, info, verbose, debug) brings them back when debugging.
    static let configure: Void = {
        let levels: [String: Int32] = ["quiet": AV_LOG_QUIET, "error": AV_LOG_ERROR, "warning": AV_LOG_WARNING,
                                       "info": AV_LOG_INFO, "verbose": AV_LOG_VERBOSE, "debug": AV_LOG_DEBUG]
        let name = ProcessInfo.processInfo.environment["VIDEO_LAMBDA_FFMPEG_LOG"]?.lowercased() ?? "quiet"
        av_log_set_level(levels[name] ?? AV_LOG_QUIET)
    }()
}
