// OpenBLAS, loaded when the first model is (not at process start).
#pragma once

/// Loads OpenBLAS (once; later calls return the first result). Returns NULL on success, otherwise
/// why not.
const char *vl_openblas_load(void);

/// One thread for every OpenBLAS call, and no idle pool. The pthreads build starts a pool of threads
/// as it loads (one per core but one); with one thread set the pool never gets work, yet each of its
/// threads first spins on sched_yield for ~2^28 cycles (~0.1 s) before it sleeps, taking a core from
/// model loading and the first inference. This stops the pool; setting more threads later starts it
/// again (OpenBLAS does that itself). Call after vl_openblas_load succeeded.
void vl_openblas_use_one_thread(void);

/// How many of OpenBLAS's pool threads are alive (0 in the serial and OpenMP builds, or when OpenBLAS
/// cannot load).
int vl_openblas_pool_threads(void);
