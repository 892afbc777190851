// Libraries the binaries open on first use (dlopen) instead of at process start, and the macros that
// define a library's functions as forwarders to it. A process that never needs a library (the
// runtime's own handlers, a cold start before the first event) does not pay for loading it.
#pragma once
#include <pthread.h>
#include <stddef.h>

/// One library (or several that go together), loaded at most once per process.
struct vl_library {
    /// What the library is, for error messages ("FFmpeg").
    const char *name;
    /// Sonames to open, dependencies first, so each finds what it needs already loaded.
    const char *const *sonames;
    int count;
    /// One slot per soname.
    void **handles;
    pthread_mutex_t lock;
    /// 0 not tried yet, 1 loaded, -1 failed (`error` says why).
    int state;
    char error[512];
};

#define VL_LIBRARY(name, sonames, handles) \
    { name, sonames, (int)(sizeof sonames / sizeof sonames[0]), handles, PTHREAD_MUTEX_INITIALIZER, 0, "" }

/// Loads `library` (once; later calls return the first result). Returns NULL on success, otherwise
/// why not (a string the library keeps for the life of the process).
const char *vl_library_load(struct vl_library *library);

/// The function `symbol` of `library`, loading it first. A library missing at this point is a broken
/// installation (callers load it first and report the error), so this ends the process with the reason.
void *vl_library_resolve(struct vl_library *library, const char *symbol);

/// Defines `name` (as declared by the library's own header, which the compiler checks it against)
/// as a call to the real function, resolved on first call.
#define VL_REAL(library, name) \
    static __typeof__(&name) real; \
    __typeof__(&name) fn = __atomic_load_n(&real, __ATOMIC_ACQUIRE); \
    if (!fn) { fn = (__typeof__(&name))vl_library_resolve(library, #name); __atomic_store_n(&real, fn, __ATOMIC_RELEASE); }

#define VL_FORWARD(library, ret, name, params, args) ret name params { VL_REAL(library, name) return fn args; }
#define VL_FORWARD_VOID(library, name, params, args) void name params { VL_REAL(library, name) fn args; }
