// OpenBLAS, loaded when the first model is (not at process start).
#pragma once

/// Loads OpenBLAS (once; later calls return the first result). Returns NULL on success, otherwise
/// why not.
const char *vl_openblas_load(void);
