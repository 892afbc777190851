// A matrix product for convolutions on AVX-512: the weights are packed once, when the model loads,
// and the bias, a residual and a clamp are applied as each tile of the product is stored.
#ifndef VL_PACKED_GEMM_H
#define VL_PACKED_GEMM_H

/// Rows of A in one packed panel.
#define VL_PACKED_ROWS 8

/// 1 when this CPU runs vl_packed_gemm (AVX-512 on Intel); 0 otherwise, and it must not be called.
int vl_packed_gemm_available(void);

/// Floats that `vl_pack_rows` writes for an m x k matrix: m rounded up to whole panels, times k.
long vl_packed_count(long m, long k);

/// Packs A (m x k, rows `lda` floats apart) into panels of VL_PACKED_ROWS rows, each stored column
/// by column (for each of the k columns, the panel's 8 values); rows past m are zeros.
void vl_pack_rows(const float *a, long m, long k, long lda, float *packed);

/// One product C = bias + A x B + residual, then ReLU when asked; C = A x B with every extra absent.
typedef struct {
    long m, n, k;
    /// A, packed by vl_pack_rows.
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
    /// Nonzero: each value x becomes x > 0 ? x : 0 (NaN too becomes 0, as the engine's ReLU makes it).
    int relu;
} vl_gemm;

/// Computes rows [first_row, end_row) of the product (any range: threads may split the rows).
void vl_packed_gemm(const vl_gemm *product, long first_row, long end_row);

#endif
