// The input and output transforms of Winograd's F(2x2, 3x3) over one row of tiles, eight tiles per
// vector (see WinogradTransforms.swift for the matrices and the layout of V and M).
#ifndef VL_WINOGRAD_H
#define VL_WINOGRAD_H

/// V[ξ] for the `tiles` tiles of one tile row of one input channel: tile t's 4x4 window starts at
/// column 2t of the 4 rows `row_stride` floats apart at `d`, which has 2 * tiles + 18 readable floats
/// per row (rounded up to whole vectors of tiles). Position ξ of tile t goes to
/// v[ξ * position_stride + t]; the vector of the last tiles is written whole (up to 7 floats past
/// `tiles`, which the caller leaves room for).
void vl_winograd_input_row(const float *d, long row_stride, long tiles, float *v, long position_stride);

/// The outputs of one tile row of one output channel: tile t's product at position ξ is
/// m[ξ * position_stride + t] (the vector of the last tiles is read whole). Writes the `width`
/// values of output row 0 to y0 and, when y1 is not NULL, those of row 1 to y1, each as
/// value + bias (+ r0[i] or r1[i] when given), then max(x, 0) when `relu` (NaN staying NaN, and
/// -0 staying -0 where the engine's ReLU gives +0, which compares equal).
void vl_winograd_output_row(const float *m, long position_stride, long tiles, long width, float bias,
                            float *y0, const float *r0, float *y1, const float *r1, int relu);

#endif
