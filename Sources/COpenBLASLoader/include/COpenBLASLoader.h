// OpenBLAS, loaded when the first model is (not at process start).
#pragma once
#include <stddef.h>

/// Loads OpenBLAS (once; later calls return the first result). Returns 0 on success; otherwise
/// writes the loader's reason into `error` and returns -1.
int vl_openblas_load(char *error, size_t error_size);
