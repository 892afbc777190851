// libzstd, for streaming decompression of compressed ONNX models.
#include <zstd.h>
#include <zstd_errors.h>
