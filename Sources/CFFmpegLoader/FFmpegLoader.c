// FFmpeg's functions as the binary sees them: each one resolves the real function from the FFmpeg
// libraries on first call. The binary is not linked against FFmpeg, so a process that never decodes
// video (the runtime's own handlers, a cold start before the first event) does not pay for loading
// and relocating FFmpeg and the hundred-odd codec libraries Debian's build pulls in (~30 ms).
//
// Each definition below is checked by the compiler against FFmpeg's own declaration of it.
#include "CFFmpegLoader.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavformat/avio.h>
#include <libavutil/avutil.h>
#include <libavutil/dict.h>
#include <libavutil/display.h>
#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
#include <libavutil/mem.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "CLibraryLoader.h"

#define VL_SONAME(name, major) "lib" name ".so." AV_STRINGIFY(major)

// Dependencies first, so each library finds what it needs already loaded.
static const char *const sonames[] = {
    VL_SONAME("avutil", LIBAVUTIL_VERSION_MAJOR),
    VL_SONAME("swscale", LIBSWSCALE_VERSION_MAJOR),
    VL_SONAME("avcodec", LIBAVCODEC_VERSION_MAJOR),
    VL_SONAME("avformat", LIBAVFORMAT_VERSION_MAJOR),
};
static void *handles[sizeof sonames / sizeof sonames[0]];
static struct vl_library ffmpeg = VL_LIBRARY("FFmpeg", sonames, handles);

const char *vl_ffmpeg_load(void) { return vl_library_load(&ffmpeg); }

// libavutil
VL_FORWARD(&ffmpeg, AVDictionaryEntry *, av_dict_get, (const AVDictionary *m, const char *key, const AVDictionaryEntry *prev, int flags),
           (m, key, prev, flags))
VL_FORWARD(&ffmpeg, double, av_display_rotation_get, (const int32_t matrix[9]), (matrix))
VL_FORWARD(&ffmpeg, AVFrame *, av_frame_alloc, (void), ())
VL_FORWARD(&ffmpeg, AVFrame *, av_frame_clone, (const AVFrame *src), (src))
VL_FORWARD(&ffmpeg, int, av_frame_copy_props, (AVFrame *dst, const AVFrame *src), (dst, src))
VL_FORWARD_VOID(&ffmpeg, av_frame_free, (AVFrame **frame), (frame))
VL_FORWARD(&ffmpeg, int, av_frame_get_buffer, (AVFrame *frame, int align), (frame, align))
VL_FORWARD_VOID(&ffmpeg, av_free, (void *ptr), (ptr))
VL_FORWARD_VOID(&ffmpeg, av_freep, (void *ptr), (ptr))
VL_FORWARD(&ffmpeg, void *, av_malloc, (size_t size), (size))
VL_FORWARD(&ffmpeg, const char *, av_get_media_type_string, (enum AVMediaType media_type), (media_type))
VL_FORWARD(&ffmpeg, const char *, av_get_pix_fmt_name, (enum AVPixelFormat pix_fmt), (pix_fmt))
VL_FORWARD_VOID(&ffmpeg, av_log_set_level, (int level), (level))
VL_FORWARD(&ffmpeg, int, av_pix_fmt_count_planes, (enum AVPixelFormat pix_fmt), (pix_fmt))
VL_FORWARD(&ffmpeg, const AVPixFmtDescriptor *, av_pix_fmt_desc_get, (enum AVPixelFormat pix_fmt), (pix_fmt))
VL_FORWARD(&ffmpeg, int64_t, av_rescale_q, (int64_t a, AVRational bq, AVRational cq), (a, bq, cq))
VL_FORWARD(&ffmpeg, int, av_strerror, (int errnum, char *errbuf, size_t errbuf_size), (errnum, errbuf, errbuf_size))

// libavcodec
VL_FORWARD(&ffmpeg, AVPacket *, av_packet_alloc, (void), ())
VL_FORWARD_VOID(&ffmpeg, av_packet_free, (AVPacket **pkt), (pkt))
VL_FORWARD_VOID(&ffmpeg, av_packet_unref, (AVPacket *pkt), (pkt))
VL_FORWARD(&ffmpeg, AVCodecContext *, avcodec_alloc_context3, (const AVCodec *codec), (codec))
VL_FORWARD(&ffmpeg, const AVCodec *, avcodec_find_decoder, (enum AVCodecID id), (id))
VL_FORWARD(&ffmpeg, const AVCodec *, avcodec_find_encoder, (enum AVCodecID id), (id))
VL_FORWARD_VOID(&ffmpeg, avcodec_flush_buffers, (AVCodecContext *avctx), (avctx))
VL_FORWARD_VOID(&ffmpeg, avcodec_free_context, (AVCodecContext **avctx), (avctx))
VL_FORWARD(&ffmpeg, const char *, avcodec_get_name, (enum AVCodecID id), (id))
VL_FORWARD(&ffmpeg, int, avcodec_open2, (AVCodecContext *avctx, const AVCodec *codec, AVDictionary **options), (avctx, codec, options))
VL_FORWARD(&ffmpeg, int, avcodec_parameters_to_context, (AVCodecContext *codec, const AVCodecParameters *par), (codec, par))
VL_FORWARD(&ffmpeg, int, avcodec_receive_frame, (AVCodecContext *avctx, AVFrame *frame), (avctx, frame))
VL_FORWARD(&ffmpeg, int, avcodec_receive_packet, (AVCodecContext *avctx, AVPacket *avpkt), (avctx, avpkt))
VL_FORWARD(&ffmpeg, int, avcodec_send_frame, (AVCodecContext *avctx, const AVFrame *frame), (avctx, frame))
VL_FORWARD(&ffmpeg, int, avcodec_send_packet, (AVCodecContext *avctx, const AVPacket *avpkt), (avctx, avpkt))

// libavformat
VL_FORWARD(&ffmpeg, int, av_find_best_stream,
           (AVFormatContext *ic, enum AVMediaType type, int wanted_stream_nb, int related_stream, const AVCodec **decoder_ret, int flags),
           (ic, type, wanted_stream_nb, related_stream, decoder_ret, flags))
VL_FORWARD(&ffmpeg, AVRational, av_guess_sample_aspect_ratio, (AVFormatContext *format, AVStream *stream, AVFrame *frame),
           (format, stream, frame))
VL_FORWARD(&ffmpeg, int, av_probe_input_buffer2,
           (AVIOContext *pb, const AVInputFormat **fmt, const char *url, void *logctx, unsigned int offset, unsigned int max_probe_size),
           (pb, fmt, url, logctx, offset, max_probe_size))
VL_FORWARD(&ffmpeg, int, av_read_frame, (AVFormatContext *s, AVPacket *pkt), (s, pkt))
VL_FORWARD(&ffmpeg, int, av_seek_frame, (AVFormatContext *s, int stream_index, int64_t timestamp, int flags), (s, stream_index, timestamp, flags))
VL_FORWARD(&ffmpeg, uint8_t *, av_stream_get_side_data, (const AVStream *stream, enum AVPacketSideDataType type, size_t *size), (stream, type, size))
VL_FORWARD(&ffmpeg, AVFormatContext *, avformat_alloc_context, (void), ())
VL_FORWARD_VOID(&ffmpeg, avformat_close_input, (AVFormatContext **s), (s))
VL_FORWARD(&ffmpeg, int, avformat_find_stream_info, (AVFormatContext *ic, AVDictionary **options), (ic, options))
VL_FORWARD(&ffmpeg, int, avformat_index_get_entries_count, (const AVStream *st), (st))
VL_FORWARD(&ffmpeg, const AVIndexEntry *, avformat_index_get_entry, (AVStream *st, int idx), (st, idx))
VL_FORWARD(&ffmpeg, int, avformat_open_input, (AVFormatContext **ps, const char *url, const AVInputFormat *fmt, AVDictionary **options), (ps, url, fmt, options))
VL_FORWARD(&ffmpeg, int, avformat_seek_file, (AVFormatContext *s, int stream_index, int64_t min_ts, int64_t ts, int64_t max_ts, int flags),
           (s, stream_index, min_ts, ts, max_ts, flags))
VL_FORWARD(&ffmpeg, AVIOContext *, avio_alloc_context,
           (unsigned char *buffer, int buffer_size, int write_flag, void *opaque,
            int (*read_packet)(void *opaque, uint8_t *buf, int buf_size),
            int (*write_packet)(void *opaque, uint8_t *buf, int buf_size),
            int64_t (*seek)(void *opaque, int64_t offset, int whence)),
           (buffer, buffer_size, write_flag, opaque, read_packet, write_packet, seek))
VL_FORWARD_VOID(&ffmpeg, avio_context_free, (AVIOContext **s), (s))

// libswscale
VL_FORWARD_VOID(&ffmpeg, sws_freeContext, (struct SwsContext *swsContext), (swsContext))
VL_FORWARD(&ffmpeg, const int *, sws_getCoefficients, (int colorspace), (colorspace))
VL_FORWARD(&ffmpeg, int, sws_getColorspaceDetails,
           (struct SwsContext *c, int **inv_table, int *srcRange, int **table, int *dstRange, int *brightness, int *contrast, int *saturation),
           (c, inv_table, srcRange, table, dstRange, brightness, contrast, saturation))
VL_FORWARD(&ffmpeg, struct SwsContext *, sws_getContext,
           (int srcW, int srcH, enum AVPixelFormat srcFormat, int dstW, int dstH, enum AVPixelFormat dstFormat, int flags,
            SwsFilter *srcFilter, SwsFilter *dstFilter, const double *param),
           (srcW, srcH, srcFormat, dstW, dstH, dstFormat, flags, srcFilter, dstFilter, param))
VL_FORWARD(&ffmpeg, int, sws_scale,
           (struct SwsContext *c, const uint8_t *const srcSlice[], const int srcStride[], int srcSliceY, int srcSliceH,
            uint8_t *const dst[], const int dstStride[]),
           (c, srcSlice, srcStride, srcSliceY, srcSliceH, dst, dstStride))
VL_FORWARD(&ffmpeg, int, sws_setColorspaceDetails,
           (struct SwsContext *c, const int inv_table[4], int srcRange, const int table[4], int dstRange, int brightness, int contrast, int saturation),
           (c, inv_table, srcRange, table, dstRange, brightness, contrast, saturation))
