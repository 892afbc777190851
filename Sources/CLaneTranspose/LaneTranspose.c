#include "LaneTranspose.h"

#if defined(__AVX__)
#include <immintrin.h>

// Rows r[0..7] (8 floats each) become columns: on return r[c] holds element c of every input row.
static inline void transpose8x8(__m256 r[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; i++) {
        u[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
    }
}

static inline void interleaveBlock(const float *planes, long planeStride, long i, float *tile) {
    __m256 r[8];
    for (int c = 0; c < 8; c++) r[c] = _mm256_loadu_ps(planes + c * planeStride + i);
    transpose8x8(r);
    for (int k = 0; k < 8; k++) _mm256_storeu_ps(tile + (i + k) * 8, r[k]);
}

static inline void deinterleaveBlock(const float *tile, long i, float *planes, long planeStride) {
    __m256 r[8];
    for (int k = 0; k < 8; k++) r[k] = _mm256_loadu_ps(tile + (i + k) * 8);
    transpose8x8(r);
    for (int c = 0; c < 8; c++) _mm256_storeu_ps(planes + c * planeStride + i, r[c]);
}

// A count that is not a multiple of 8 ends with one more block over the last 8 positions, which
// rewrites a few positions with the same values instead of moving the rest one float at a time.

void vl_interleave8(const float *planes, long planeStride, long count, float *tile) {
    long i = 0;
    for (; i + 8 <= count; i += 8) interleaveBlock(planes, planeStride, i, tile);
    if (i < count && count >= 8) {
        interleaveBlock(planes, planeStride, count - 8, tile);
        return;
    }
    for (; i < count; i++)
        for (int c = 0; c < 8; c++) tile[i * 8 + c] = planes[c * planeStride + i];
}

void vl_deinterleave8(const float *tile, long count, float *planes, long planeStride) {
    long i = 0;
    for (; i + 8 <= count; i += 8) deinterleaveBlock(tile, i, planes, planeStride);
    if (i < count && count >= 8) {
        deinterleaveBlock(tile, count - 8, planes, planeStride);
        return;
    }
    for (; i < count; i++)
        for (int c = 0; c < 8; c++) planes[c * planeStride + i] = tile[i * 8 + c];
}

#else

void vl_interleave8(const float *planes, long planeStride, long count, float *tile) {
    for (long i = 0; i < count; i++)
        for (int c = 0; c < 8; c++) tile[i * 8 + c] = planes[c * planeStride + i];
}

void vl_deinterleave8(const float *tile, long count, float *planes, long planeStride) {
    for (long i = 0; i < count; i++)
        for (int c = 0; c < 8; c++) planes[c * planeStride + i] = tile[i * 8 + c];
}

#endif
