// The product behind vl_packed_gemm. B is taken in blocks of 256 rows by 384 columns, copied once
// into panels of 48 columns (zeros past its end) that stay in L2; every 8-row panel of A then runs
// against each of them in an 8 x 48 tile of 24 vector registers: per row of B, three loads of B
// and eight broadcasts of A feed 24 fused multiply-adds. A packed when the model loads, and the
// bias, residual and ReLU applied as each tile is stored, spare the copy OpenBLAS makes of A at
// every call and the passes over C before and after it.
#include "PackedGEMM.h"

#include <pthread.h>
#include <stdlib.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define VL_AVX512 __attribute__((target("avx512f,fma")))
#define COLUMNS 48
#define DEPTH 256
#define SLAB_COLUMNS (8 * COLUMNS)

int vl_packed_gemm_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_is("intel");
}

// B's rows [first_row, first_row + depth) and columns [first, first + width) as panels of 48 columns
// (depth x 48 each, zeros past width), row by row so that each row of B is read in one run.
VL_AVX512 static void pack_columns(const vl_gemm *p, long first_row, long depth, long first, long width, float *slab) {
    for (long i = 0; i < depth; i++) {
        const float *row = p->b + (first_row + i) * p->b_row + first * p->b_column;
        for (long start = 0; start < width; start += COLUMNS) {
            float *out = slab + (start / COLUMNS * depth + i) * COLUMNS;
            long count = width - start < COLUMNS ? width - start : COLUMNS;
            if (p->b_column == 1 && count == COLUMNS) {
                _mm512_storeu_ps(out, _mm512_loadu_ps(row + start));
                _mm512_storeu_ps(out + 16, _mm512_loadu_ps(row + start + 16));
                _mm512_storeu_ps(out + 32, _mm512_loadu_ps(row + start + 32));
                continue;
            }
            long j = 0;
            for (; j < count; j++) out[j] = row[(start + j) * p->b_column];
            for (; j < COLUMNS; j++) out[j] = 0.0f;
        }
    }
}

#define ROW_INIT(r)                                                                                   \
    { __m512 start = bias ? _mm512_set1_ps(bias[r]) : _mm512_setzero_ps(); for (int v = 0; v < vectors; v++) acc[r][v] = start; }
#define ROW_FMA(r)                                                                                    \
    { __m512 weight = _mm512_set1_ps(a[i * VL_PACKED_ROWS + r]);                                      \
      for (int v = 0; v < vectors; v++) acc[r][v] = _mm512_fmadd_ps(weight, column[v], acc[r][v]); }
#define MICRO(VECTORS)                                                                                \
VL_AVX512 static void micro##VECTORS(long k, const float *a, const float *b, const float *bias, float *tile) { \
    enum { vectors = VECTORS };                                                                       \
    __m512 acc[VL_PACKED_ROWS][VECTORS];                                                              \
    ROW_INIT(0) ROW_INIT(1) ROW_INIT(2) ROW_INIT(3) ROW_INIT(4) ROW_INIT(5) ROW_INIT(6) ROW_INIT(7)    \
    for (long i = 0; i < k; i++) {                                                                    \
        __m512 column[VECTORS];                                                                       \
        for (int v = 0; v < VECTORS; v++) column[v] = _mm512_loadu_ps(b + i * COLUMNS + 16 * v);     \
        ROW_FMA(0) ROW_FMA(1) ROW_FMA(2) ROW_FMA(3) ROW_FMA(4) ROW_FMA(5) ROW_FMA(6) ROW_FMA(7)        \
    }                                                                                                 \
    for (int r = 0; r < VL_PACKED_ROWS; r++)                                                          \
        for (int v = 0; v < VECTORS; v++) _mm512_storeu_ps(tile + r * COLUMNS + 16 * v, acc[r][v]);   \
}
MICRO(1)
MICRO(2)
MICRO(3)

// Rows [first_row, end_row) and columns [first, first + width) of C from the tile whose row 0 is
// C's row tile_row. `accumulate`: C holds the product of the rows of B before, to add to. `finish`:
// the last rows of B, so the residual and ReLU are applied on the way.
VL_AVX512 static void store(const vl_gemm *p, const float *tile, long tile_row, long first_row, long end_row,
                            long first, long width, int accumulate, int finish) {
    __m512 zero = _mm512_setzero_ps();
    int relu = finish && p->relu;
    for (long row = first_row; row < end_row; row++) {
        const float *values = tile + (row - tile_row) * COLUMNS;
        float *c = p->c + row * p->c_row + first * p->c_column;
        const float *residual = finish && p->residual ? p->residual + row * p->c_row + first * p->c_column : NULL;
        if (p->c_column == 1) {
            for (long j = 0; j < width; j += 16) {
                __mmask16 mask = width - j >= 16 ? 0xffff : (__mmask16)((1u << (width - j)) - 1);
                __m512 x = _mm512_loadu_ps(values + j);
                if (accumulate) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask, c + j));
                if (residual) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask, residual + j));
                // max_ps gives its second operand when either is NaN: NaN stays NaN, as in the
                // engine's ReLU (Swift.max(x, 0)) and ONNX's (numpy's maximum).
                if (relu) x = _mm512_max_ps(zero, x);
                _mm512_mask_storeu_ps(c + j, mask, x);
            }
        } else {
            for (long j = 0; j < width; j++) {
                float x = values[j] + (accumulate ? c[j * p->c_column] : 0.0f) + (residual ? residual[j * p->c_column] : 0.0f);
                c[j * p->c_column] = relu && x < 0 ? 0.0f : x;
            }
        }
    }
}

// Each thread keeps its block of B (384 KB) from call to call, freed when the thread ends: no
// allocation per product, and no contention between threads for the heap's lock.
static pthread_key_t slab_key;
static pthread_once_t slab_key_once = PTHREAD_ONCE_INIT;
static void make_slab_key(void) {
    if (pthread_key_create(&slab_key, free) != 0) abort();
}
static float *thread_slab(void) {
    pthread_once(&slab_key_once, make_slab_key);
    float *slab = pthread_getspecific(slab_key);
    if (!slab) {
        slab = aligned_alloc(64, (size_t)DEPTH * SLAB_COLUMNS * sizeof(float));
        if (!slab || pthread_setspecific(slab_key, slab) != 0) abort();
    }
    return slab;
}

VL_AVX512 void vl_packed_gemm(const vl_gemm *p, long first_row, long end_row) {
    if (first_row >= end_row || p->n <= 0) return;
    float *slab = thread_slab();
    float tile[VL_PACKED_ROWS * COLUMNS] __attribute__((aligned(64)));
    // Blocks of B of DEPTH rows by SLAB_COLUMNS columns (384 KB) stay in L2 while every panel of A
    // runs against them; a panel of A's DEPTH columns (8 KB) stays in L1 across the block.
    // An empty inner size still runs once, for the bias and residual.
    for (long top = 0;; top += DEPTH) {
        long depth = p->k - top < DEPTH ? p->k - top : DEPTH;
        int accumulate = top > 0, finish = top + depth >= p->k;
        for (long left = 0; left < p->n; left += SLAB_COLUMNS) {
            long width = p->n - left < SLAB_COLUMNS ? p->n - left : SLAB_COLUMNS;
            pack_columns(p, top, depth, left, width, slab);
            for (long panel_row = first_row / VL_PACKED_ROWS * VL_PACKED_ROWS; panel_row < end_row; panel_row += VL_PACKED_ROWS) {
                const float *a = p->a + panel_row * p->k + top * VL_PACKED_ROWS;
                const float *bias = accumulate || !p->bias ? NULL : p->bias + panel_row;
                float bias_tail[VL_PACKED_ROWS];
                if (bias && panel_row + VL_PACKED_ROWS > p->m) {
                    // The last panel's rows past m are zeros in A; their bias must not be read past the end.
                    for (int r = 0; r < VL_PACKED_ROWS; r++) bias_tail[r] = panel_row + r < p->m ? bias[r] : 0.0f;
                    bias = bias_tail;
                }
                long rows_from = panel_row > first_row ? panel_row : first_row;
                long rows_to = panel_row + VL_PACKED_ROWS < end_row ? panel_row + VL_PACKED_ROWS : end_row;
                for (long start = 0; start < width; start += COLUMNS) {
                    long count = width - start < COLUMNS ? width - start : COLUMNS;
                    const float *b = slab + start / COLUMNS * depth * COLUMNS;
                    switch ((count + 15) / 16) {
                    case 1: micro1(depth, a, b, bias, tile); break;
                    case 2: micro2(depth, a, b, bias, tile); break;
                    default: micro3(depth, a, b, bias, tile); break;
                    }
                    store(p, tile, panel_row, rows_from, rows_to, left + start, count, accumulate, finish);
                }
            }
        }
        if (finish) break;
    }
}

#else

int vl_packed_gemm_available(void) { return 0; }
void vl_packed_gemm(const vl_gemm *p, long first_row, long end_row) { (void)p; (void)first_row; (void)end_row; abort(); }

#endif
