// OpenBLAS's functions as the binary sees them: each resolves the real function on first call. The
// binary is not linked against OpenBLAS, whose start-up (loading it with libgfortran, detecting the
// CPU, starting its thread pool) costs ~2.5 ms at every process start, also in processes that never
// multiply a matrix (the runtime's own handlers, `video-lambda serve`).
//
// Each definition below is checked by the compiler against OpenBLAS's own declaration of it.
#include "COpenBLASLoader.h"

#include <cblas.h>
#include <dlfcn.h>

#include "CLibraryLoader.h"

static const char *const sonames[] = { "libopenblas.so.0" };
static void *handles[sizeof sonames / sizeof sonames[0]];
static struct vl_library openblas = VL_LIBRARY("OpenBLAS", sonames, handles);

const char *vl_openblas_load(void) { return vl_library_load(&openblas); }

VL_FORWARD_VOID(&openblas, openblas_set_num_threads, (int num_threads), (num_threads))
VL_FORWARD(&openblas, char *, openblas_get_corename, (void), ())
VL_FORWARD(&openblas, int, openblas_get_parallel, (void), ())
VL_FORWARD_VOID(&openblas, cblas_sgemm,
                (OPENBLAS_CONST enum CBLAS_ORDER Order, OPENBLAS_CONST enum CBLAS_TRANSPOSE TransA, OPENBLAS_CONST enum CBLAS_TRANSPOSE TransB,
                 OPENBLAS_CONST blasint M, OPENBLAS_CONST blasint N, OPENBLAS_CONST blasint K, OPENBLAS_CONST float alpha,
                 OPENBLAS_CONST float *A, OPENBLAS_CONST blasint lda, OPENBLAS_CONST float *B, OPENBLAS_CONST blasint ldb,
                 OPENBLAS_CONST float beta, float *C, OPENBLAS_CONST blasint ldc),
                (Order, TransA, TransB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc))

/// The number of OpenBLAS's pool threads alive: the pthreads build keeps one per core but one while
/// its pool runs (blas_server_avail), the serial and OpenMP builds none of their own.
int vl_openblas_pool_threads(void) {
    if (vl_openblas_load() != NULL || openblas_get_parallel() != 1) return 0;
    const int *running = dlsym(handles[0], "blas_server_avail");
    const int *threads = dlsym(handles[0], "blas_num_threads");
    return running && threads && *running ? *threads - 1 : 0;
}

void vl_openblas_use_one_thread(void) {
    openblas_set_num_threads(1);
    if (openblas_get_parallel() != 1) return;
    // Exported by the pthreads build for use around fork; it joins the pool's threads.
    int (*stop_pool)(void) = (int (*)(void))dlsym(handles[0], "blas_thread_shutdown_");
    if (stop_pool) stop_pool();
}
