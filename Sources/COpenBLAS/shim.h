// OpenBLAS's CBLAS interface (sgemm for convolutions and matrix products) and its thread control
// (declarations only: COpenBLASLoader defines them and loads OpenBLAS on first use),
// plus the CPU affinity the kernels size their threads by (sched_getaffinity needs _GNU_SOURCE).
#define _GNU_SOURCE
#include <sched.h>
#include <cblas.h>

/// Cores this process may run on (its affinity mask), or 1 if the mask cannot be read.
static inline int vl_affinity_cpu_count(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
    int count = CPU_COUNT(&set);
    return count > 0 ? count : 1;
}
