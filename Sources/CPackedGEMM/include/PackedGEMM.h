// A matrix product for convolutions on AVX-512: the weights are packed once, when the model loads,
// and the bias, a residual and a ReLU are applied as each tile of the product is stored.
#ifndef VL_PACKED_GEMM_H
#define VL_PACKED_GEMM_H

/// Rows of A in one packed panel.
#define VL_PACKED_ROWS 8

/// 1 when this CPU runs vl_packed_gemm (AVX-512 on Intel); 0 otherwise, and it must not be called.
int vl_packed_gemm_available(void);

/// A is packed in panels of VL_PACKED_ROWS rows, each stored column by column: for each of its k
/// columns, the panel's 8 values (rows past m are zeros). For a whole panel that is the tile
/// `vl_interleave8` (CLaneTranspose) makes of its 8 rows.

/// One product C = bias + A x B + residual, then ReLU when asked; C = A x B with every extra absent.
typedef struct {
    long m, n, k;
    /// A, packed as above.
    const float *a;
    /// B[i][j] is at b[i * b_row + j * b_column].
    const float *b;
    long b_row, b_column;
    /// C[i][j] is at c[i * c_row + j * c_column].
    float *c;
    long c_row, c_column;
    /// Per row of C, or NULL.
    const float *bias;
    /// residual[i * c_row + j * c_column] is added to C[i][j], or NULL.
    const float *residual;
    /// Nonzero: each value x becomes max(x, 0), NaN staying NaN as in the engine's ReLU.
    int relu;
} vl_gemm;

/// Computes rows [first_row, end_row) of the product (any range: threads may split the rows).
void vl_packed_gemm(const vl_gemm *product, long first_row, long end_row);

#endif
