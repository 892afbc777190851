// FFmpeg, loaded when first needed rather than when the process starts.
#pragma once

/// Loads FFmpeg's libraries (once; later calls return the first result). Returns NULL on success,
/// otherwise why not.
const char *vl_ffmpeg_load(void);
