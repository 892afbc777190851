// Eight float planes to one interleaved tile and back (8x8 transposes in AVX registers): the
// blocked depthwise convolution's copies in and out. Swift's SIMD types have no lane shuffles
// that reliably become AVX's unpack, shuffle and lane-permute transpose (written with Swift's
// even/odd halves it came out as chains of inserts and blends), so this part is C.
#pragma once

/// tile[i * 8 + c] = planes[c * planeStride + i] for i < count, c < 8.
void vl_interleave8(const float *planes, long planeStride, long count, float *tile);

/// planes[c * planeStride + i] = tile[i * 8 + c] for i < count, c < 8.
void vl_deinterleave8(const float *tile, long count, float *planes, long planeStride);
