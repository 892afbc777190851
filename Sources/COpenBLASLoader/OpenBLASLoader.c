// OpenBLAS's functions as the binary sees them: each resolves the real function on first call. The
// binary is not linked against OpenBLAS, whose start-up (loading it with libgfortran, detecting the
// CPU, starting its thread pool) costs ~2.5 ms at every process start, also in processes that never
// multiply a matrix (the runtime's own handlers, `video-lambda serve`).
//
// Each definition below is checked by the compiler against OpenBLAS's own declaration of it.
#include "COpenBLASLoader.h"

#include <cblas.h>

#include "CLibraryLoader.h"

static const char *const sonames[] = { "libopenblas.so.0" };
static void *handles[sizeof sonames / sizeof sonames[0]];
static struct vl_library openblas = VL_LIBRARY("OpenBLAS", sonames, handles);

const char *vl_openblas_load(void) { return vl_library_load(&openblas); }

VL_FORWARD_VOID(&openblas, openblas_set_num_threads, (int num_threads), (num_threads))
VL_FORWARD(&openblas, char *, openblas_get_corename, (void), ())
VL_FORWARD_VOID(&openblas, cblas_sgemm,
                (OPENBLAS_CONST enum CBLAS_ORDER Order, OPENBLAS_CONST enum CBLAS_TRANSPOSE TransA, OPENBLAS_CONST enum CBLAS_TRANSPOSE TransB,
                 OPENBLAS_CONST blasint M, OPENBLAS_CONST blasint N, OPENBLAS_CONST blasint K, OPENBLAS_CONST float alpha,
                 OPENBLAS_CONST float *A, OPENBLAS_CONST blasint lda, OPENBLAS_CONST float *B, OPENBLAS_CONST blasint ldb,
                 OPENBLAS_CONST float beta, float *C, OPENBLAS_CONST blasint ldc),
                (Order, TransA, TransB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc))
