// FFmpeg, loaded when first needed rather than when the process starts.
#pragma once
#include <stddef.h>

/// Loads FFmpeg's libraries (once; later calls return the first result). Returns 0 on success;
/// otherwise writes the loader's reason into `error` and returns -1.
int vl_ffmpeg_load(char *error, size_t error_size);
