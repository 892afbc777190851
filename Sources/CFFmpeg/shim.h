// FFmpeg's demuxing, decoding, scaling and utility APIs.
#include <libavformat/avformat.h>
#include <libavformat/avio.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libavutil/avutil.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libavutil/error.h>

// Swift cannot import function-like macros or compound literals: these helpers expose the few
// that VideoIO needs (error codes, constants, side data lookups).
static inline int vl_averror(int posix_errno) { return AVERROR(posix_errno); }
static inline int vl_averror_eof(void) { return AVERROR_EOF; }
static inline int vl_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int vl_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int vl_averror_patchwelcome(void) { return AVERROR_PATCHWELCOME; }
static inline int64_t vl_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline AVRational vl_time_base_q(void) { return AV_TIME_BASE_Q; }

/// The display matrix of a stream (9 int32 values), or NULL when it has none.
static inline const int32_t *vl_stream_display_matrix(const AVStream *stream) {
    size_t size = 0;
    const uint8_t *data = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size);
    return (data != NULL && size >= 9 * sizeof(int32_t)) ? (const int32_t *)data : NULL;
}
