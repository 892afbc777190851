// OpenBLAS's CBLAS interface (sgemm for convolutions and matrix products) and its thread control.
#include <cblas.h>
