// FFmpeg's functions as the binary sees them: each one resolves the real function from the FFmpeg
// libraries on first call. The binary is not linked against FFmpeg, so a process that never decodes
// video (the runtime's own handlers, a cold start before the first event) does not pay for loading
// and relocating FFmpeg and the hundred-odd codec libraries Debian's build pulls in (~30 ms).
//
// Each definition below is checked by the compiler against FFmpeg's own declaration of it.
#include "CFFmpegLoader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavformat/avio.h>
#include <libavutil/avutil.h>
#include <libavutil/display.h>
#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
#include <libavutil/mem.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#define VL_SONAME(name, major) "lib" name ".so." AV_STRINGIFY(major)

// Dependencies first, so each library finds what it needs already loaded.
static const char *const sonames[] = {
    VL_SONAME("avutil", LIBAVUTIL_VERSION_MAJOR),
    VL_SONAME("swscale", LIBSWSCALE_VERSION_MAJOR),
    VL_SONAME("avcodec", LIBAVCODEC_VERSION_MAJOR),
    VL_SONAME("avformat", LIBAVFORMAT_VERSION_MAJOR),
};
enum { library_count = sizeof sonames / sizeof sonames[0] };

static void *handles[library_count];
static char load_error[512];
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load_libraries(void) {
    for (int i = 0; i < library_count; i++) {
        handles[i] = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
        if (!handles[i]) {
            const char *reason = dlerror();
            snprintf(load_error, sizeof load_error, "cannot load FFmpeg (%s): %s", sonames[i], reason ? reason : "unknown error");
            return;
        }
    }
}

int vl_ffmpeg_load(char *error, size_t error_size) {
    pthread_once(&load_once, load_libraries);
    if (load_error[0] == '\0') return 0;
    if (error && error_size > 0) snprintf(error, error_size, "%s", load_error);
    return -1;
}

/// The real function `name`. FFmpeg missing at this point is a broken installation (every caller
/// loads it first and reports the error), so it ends the process with the reason.
static void *resolve(const char *name) {
    char error[512];
    if (vl_ffmpeg_load(error, sizeof error) != 0) {
        fprintf(stderr, "video-lambda: %s (needed for %s)\n", error, name);
        abort();
    }
    for (int i = 0; i < library_count; i++) {
        void *symbol = dlsym(handles[i], name);
        if (symbol) return symbol;
    }
    fprintf(stderr, "video-lambda: FFmpeg has no function %s\n", name);
    abort();
}

#define VL_REAL(name) \
    static __typeof__(&name) real; \
    __typeof__(&name) fn = __atomic_load_n(&real, __ATOMIC_ACQUIRE); \
    if (!fn) { fn = (__typeof__(&name))resolve(#name); __atomic_store_n(&real, fn, __ATOMIC_RELEASE); }

#define VL_FORWARD(ret, name, params, args) ret name params { VL_REAL(name) return fn args; }
#define VL_FORWARD_VOID(name, params, args) void name params { VL_REAL(name) fn args; }

// libavutil
VL_FORWARD(double, av_display_rotation_get, (const int32_t matrix[9]), (matrix))
VL_FORWARD(AVFrame *, av_frame_alloc, (void), ())
VL_FORWARD(AVFrame *, av_frame_clone, (const AVFrame *src), (src))
VL_FORWARD(int, av_frame_copy_props, (AVFrame *dst, const AVFrame *src), (dst, src))
VL_FORWARD_VOID(av_frame_free, (AVFrame **frame), (frame))
VL_FORWARD(int, av_frame_get_buffer, (AVFrame *frame, int align), (frame, align))
VL_FORWARD_VOID(av_free, (void *ptr), (ptr))
VL_FORWARD_VOID(av_freep, (void *ptr), (ptr))
VL_FORWARD(void *, av_malloc, (size_t size), (size))
VL_FORWARD(const char *, av_get_media_type_string, (enum AVMediaType media_type), (media_type))
VL_FORWARD(const char *, av_get_pix_fmt_name, (enum AVPixelFormat pix_fmt), (pix_fmt))
VL_FORWARD_VOID(av_log_set_level, (int level), (level))
VL_FORWARD(int, av_pix_fmt_count_planes, (enum AVPixelFormat pix_fmt), (pix_fmt))
VL_FORWARD(const AVPixFmtDescriptor *, av_pix_fmt_desc_get, (enum AVPixelFormat pix_fmt), (pix_fmt))
VL_FORWARD(int64_t, av_rescale_q, (int64_t a, AVRational bq, AVRational cq), (a, bq, cq))
VL_FORWARD(int, av_strerror, (int errnum, char *errbuf, size_t errbuf_size), (errnum, errbuf, errbuf_size))

// libavcodec
VL_FORWARD(AVPacket *, av_packet_alloc, (void), ())
VL_FORWARD_VOID(av_packet_free, (AVPacket **pkt), (pkt))
VL_FORWARD_VOID(av_packet_unref, (AVPacket *pkt), (pkt))
VL_FORWARD(AVCodecContext *, avcodec_alloc_context3, (const AVCodec *codec), (codec))
VL_FORWARD(const AVCodec *, avcodec_find_decoder, (enum AVCodecID id), (id))
VL_FORWARD(const AVCodec *, avcodec_find_encoder, (enum AVCodecID id), (id))
VL_FORWARD_VOID(avcodec_flush_buffers, (AVCodecContext *avctx), (avctx))
VL_FORWARD_VOID(avcodec_free_context, (AVCodecContext **avctx), (avctx))
VL_FORWARD(const char *, avcodec_get_name, (enum AVCodecID id), (id))
VL_FORWARD(int, avcodec_open2, (AVCodecContext *avctx, const AVCodec *codec, AVDictionary **options), (avctx, codec, options))
VL_FORWARD(int, avcodec_parameters_to_context, (AVCodecContext *codec, const AVCodecParameters *par), (codec, par))
VL_FORWARD(int, avcodec_receive_frame, (AVCodecContext *avctx, AVFrame *frame), (avctx, frame))
VL_FORWARD(int, avcodec_receive_packet, (AVCodecContext *avctx, AVPacket *avpkt), (avctx, avpkt))
VL_FORWARD(int, avcodec_send_frame, (AVCodecContext *avctx, const AVFrame *frame), (avctx, frame))
VL_FORWARD(int, avcodec_send_packet, (AVCodecContext *avctx, const AVPacket *avpkt), (avctx, avpkt))

// libavformat
VL_FORWARD(int, av_find_best_stream,
           (AVFormatContext *ic, enum AVMediaType type, int wanted_stream_nb, int related_stream, const AVCodec **decoder_ret, int flags),
           (ic, type, wanted_stream_nb, related_stream, decoder_ret, flags))
VL_FORWARD(int, av_probe_input_buffer2,
           (AVIOContext *pb, const AVInputFormat **fmt, const char *url, void *logctx, unsigned int offset, unsigned int max_probe_size),
           (pb, fmt, url, logctx, offset, max_probe_size))
VL_FORWARD(int, av_read_frame, (AVFormatContext *s, AVPacket *pkt), (s, pkt))
VL_FORWARD(int, av_seek_frame, (AVFormatContext *s, int stream_index, int64_t timestamp, int flags), (s, stream_index, timestamp, flags))
VL_FORWARD(uint8_t *, av_stream_get_side_data, (const AVStream *stream, enum AVPacketSideDataType type, size_t *size), (stream, type, size))
VL_FORWARD(AVFormatContext *, avformat_alloc_context, (void), ())
VL_FORWARD_VOID(avformat_close_input, (AVFormatContext **s), (s))
VL_FORWARD(int, avformat_find_stream_info, (AVFormatContext *ic, AVDictionary **options), (ic, options))
VL_FORWARD(int, avformat_index_get_entries_count, (const AVStream *st), (st))
VL_FORWARD(const AVIndexEntry *, avformat_index_get_entry, (AVStream *st, int idx), (st, idx))
VL_FORWARD(int, avformat_open_input, (AVFormatContext **ps, const char *url, const AVInputFormat *fmt, AVDictionary **options), (ps, url, fmt, options))
VL_FORWARD(int, avformat_seek_file, (AVFormatContext *s, int stream_index, int64_t min_ts, int64_t ts, int64_t max_ts, int flags),
           (s, stream_index, min_ts, ts, max_ts, flags))
VL_FORWARD(AVIOContext *, avio_alloc_context,
           (unsigned char *buffer, int buffer_size, int write_flag, void *opaque,
            int (*read_packet)(void *opaque, uint8_t *buf, int buf_size),
            int (*write_packet)(void *opaque, uint8_t *buf, int buf_size),
            int64_t (*seek)(void *opaque, int64_t offset, int whence)),
           (buffer, buffer_size, write_flag, opaque, read_packet, write_packet, seek))
VL_FORWARD_VOID(avio_context_free, (AVIOContext **s), (s))

// libswscale
VL_FORWARD_VOID(sws_freeContext, (struct SwsContext *swsContext), (swsContext))
VL_FORWARD(const int *, sws_getCoefficients, (int colorspace), (colorspace))
VL_FORWARD(int, sws_getColorspaceDetails,
           (struct SwsContext *c, int **inv_table, int *srcRange, int **table, int *dstRange, int *brightness, int *contrast, int *saturation),
           (c, inv_table, srcRange, table, dstRange, brightness, contrast, saturation))
VL_FORWARD(struct SwsContext *, sws_getContext,
           (int srcW, int srcH, enum AVPixelFormat srcFormat, int dstW, int dstH, enum AVPixelFormat dstFormat, int flags,
            SwsFilter *srcFilter, SwsFilter *dstFilter, const double *param),
           (srcW, srcH, srcFormat, dstW, dstH, dstFormat, flags, srcFilter, dstFilter, param))
VL_FORWARD(int, sws_scale,
           (struct SwsContext *c, const uint8_t *const srcSlice[], const int srcStride[], int srcSliceY, int srcSliceH,
            uint8_t *const dst[], const int dstStride[]),
           (c, srcSlice, srcStride, srcSliceY, srcSliceH, dst, dstStride))
VL_FORWARD(int, sws_setColorspaceDetails,
           (struct SwsContext *c, const int inv_table[4], int srcRange, const int table[4], int dstRange, int brightness, int contrast, int saturation),
           (c, inv_table, srcRange, table, dstRange, brightness, contrast, saturation))
