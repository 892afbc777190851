#include "Winograd.h"

#if defined(__AVX2__)
#include <immintrin.h>

// Columns 2t, 2t + 1 of 8 tiles from 16 floats: the even and the odd ones, in order.
static inline __m256 evens(__m256 a, __m256 b) {
    __m256 t = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(t), _MM_SHUFFLE(3, 1, 2, 0)));
}

static inline __m256 odds(__m256 a, __m256 b) {
    __m256 t = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(t), _MM_SHUFFLE(3, 1, 2, 0)));
}

void vl_winograd_input_row(const float *d, long row_stride, long tiles, float *v, long position_stride) {
    for (long column = 0; column < tiles; column += 8) {
        __m256 c[4][4];
        for (int i = 0; i < 4; i++) {
            const float *p = d + i * row_stride + 2 * column;
            __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
            __m256 a2 = _mm256_loadu_ps(p + 2), b2 = _mm256_loadu_ps(p + 10);
            c[i][0] = evens(a, b);
            c[i][1] = odds(a, b);
            c[i][2] = evens(a2, b2);
            c[i][3] = odds(a2, b2);
        }
        // Bᵀ d: combinations of rows; then (Bᵀ d) B: the same combinations of each row's columns.
        __m256 t[4][4];
        for (int j = 0; j < 4; j++) {
            t[0][j] = _mm256_sub_ps(c[0][j], c[2][j]);
            t[1][j] = _mm256_add_ps(c[1][j], c[2][j]);
            t[2][j] = _mm256_sub_ps(c[2][j], c[1][j]);
            t[3][j] = _mm256_sub_ps(c[1][j], c[3][j]);
        }
        float *out = v + column;
        for (int i = 0; i < 4; i++) {
            _mm256_storeu_ps(out + (i * 4 + 0) * position_stride, _mm256_sub_ps(t[i][0], t[i][2]));
            _mm256_storeu_ps(out + (i * 4 + 1) * position_stride, _mm256_add_ps(t[i][1], t[i][2]));
            _mm256_storeu_ps(out + (i * 4 + 2) * position_stride, _mm256_sub_ps(t[i][2], t[i][1]));
            _mm256_storeu_ps(out + (i * 4 + 3) * position_stride, _mm256_sub_ps(t[i][1], t[i][3]));
        }
    }
}

// Lanes [0, count) on, for a masked load or store of a vector's first `count` floats.
static inline __m256i first_lanes(long count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Stores the 8 values of `x` (bias, residual and ReLU applied) at y[0 ..< count], count <= 8.
static inline void finish(__m256 x, float *y, const float *r, long count, __m256 bias, int relu) {
    x = _mm256_add_ps(x, bias);
    if (count >= 8) {
        if (r) x = _mm256_add_ps(x, _mm256_loadu_ps(r));
        if (relu) x = _mm256_max_ps(_mm256_setzero_ps(), x);
        _mm256_storeu_ps(y, x);
    } else if (count > 0) {
        __m256i mask = first_lanes(count);
        if (r) x = _mm256_add_ps(x, _mm256_maskload_ps(r, mask));
        if (relu) x = _mm256_max_ps(_mm256_setzero_ps(), x);
        _mm256_maskstore_ps(y, mask, x);
    }
}

// The 16 values of one output row of 8 tiles (left and right column of each, in order) from that
// row of Aᵀ m: (Aᵀ m) A gives the tiles' left and right columns.
static inline void store_row(const __m256 s[4], float *y, const float *r, long count, __m256 bias, int relu) {
    __m256 left = _mm256_add_ps(_mm256_add_ps(s[0], s[1]), s[2]), right = _mm256_sub_ps(_mm256_sub_ps(s[1], s[2]), s[3]);
    __m256 lo = _mm256_unpacklo_ps(left, right), hi = _mm256_unpackhi_ps(left, right);
    finish(_mm256_permute2f128_ps(lo, hi, 0x20), y, r, count, bias, relu);
    finish(_mm256_permute2f128_ps(lo, hi, 0x31), y + 8, r ? r + 8 : 0, count - 8, bias, relu);
}

void vl_winograd_output_row(const float *m, long position_stride, long tiles, long width, float bias,
                            float *y0, const float *r0, float *y1, const float *r1, int relu) {
    __m256 b = _mm256_set1_ps(bias);
    for (long column = 0; column < tiles; column += 8) {
        const float *p = m + column;
        #define AT(i, j) _mm256_loadu_ps(p + ((i) * 4 + (j)) * position_stride)
        // Aᵀ m: two rows of 4 columns.
        __m256 s0[4], s1[4];
        for (int j = 0; j < 4; j++) {
            __m256 m1 = AT(1, j), m2 = AT(2, j);
            s0[j] = _mm256_add_ps(_mm256_add_ps(AT(0, j), m1), m2);
            s1[j] = _mm256_sub_ps(_mm256_sub_ps(m1, m2), AT(3, j));
        }
        #undef AT
        long x = 2 * column, count = width - x < 16 ? width - x : 16;
        store_row(s0, y0 + x, r0 ? r0 + x : 0, count, b, relu);
        if (y1) store_row(s1, y1 + x, r1 ? r1 + x : 0, count, b, relu);
    }
}

#else
// Without AVX2 (an arm64 build): the same operations in the same order, a tile at a time.

void vl_winograd_input_row(const float *d, long row_stride, long tiles, float *v, long position_stride) {
    // Whole vectors of 8 tiles, as the AVX2 version writes them.
    long end = (tiles + 7) / 8 * 8;
    for (long tile = 0; tile < end; tile++) {
        float c[4][4], t[4][4];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) c[i][j] = d[i * row_stride + 2 * tile + j];
        for (int j = 0; j < 4; j++) {
            t[0][j] = c[0][j] - c[2][j];
            t[1][j] = c[1][j] + c[2][j];
            t[2][j] = c[2][j] - c[1][j];
            t[3][j] = c[1][j] - c[3][j];
        }
        for (int i = 0; i < 4; i++) {
            v[(i * 4 + 0) * position_stride + tile] = t[i][0] - t[i][2];
            v[(i * 4 + 1) * position_stride + tile] = t[i][1] + t[i][2];
            v[(i * 4 + 2) * position_stride + tile] = t[i][2] - t[i][1];
            v[(i * 4 + 3) * position_stride + tile] = t[i][1] - t[i][3];
        }
    }
}

static inline void finish_value(float x, float *y, const float *r, float bias, int relu) {
    x = x + bias;
    if (r) x = x + *r;
    // max(0, x) as the AVX2 version takes it: NaN stays NaN.
    if (relu && !(x != x) && x < 0) x = 0;
    *y = x;
}

void vl_winograd_output_row(const float *m, long position_stride, long tiles, long width, float bias,
                            float *y0, const float *r0, float *y1, const float *r1, int relu) {
    for (long tile = 0; tile < tiles; tile++) {
        const float *p = m + tile;
        #define AT(i, j) p[((i) * 4 + (j)) * position_stride]
        float s0[4], s1[4];
        for (int j = 0; j < 4; j++) {
            s0[j] = (AT(0, j) + AT(1, j)) + AT(2, j);
            s1[j] = (AT(1, j) - AT(2, j)) - AT(3, j);
        }
        #undef AT
        float top[2] = {(s0[0] + s0[1]) + s0[2], (s0[1] - s0[2]) - s0[3]};
        float bottom[2] = {(s1[0] + s1[1]) + s1[2], (s1[1] - s1[2]) - s1[3]};
        for (long k = 0; k < 2 && 2 * tile + k < width; k++) {
            long x = 2 * tile + k;
            finish_value(top[k], y0 + x, r0 ? r0 + x : 0, bias, relu);
            if (y1) finish_value(bottom[k], y1 + x, r1 ? r1 + x : 0, bias, relu);
        }
    }
}
#endif
