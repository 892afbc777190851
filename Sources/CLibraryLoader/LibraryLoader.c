// Opening a library set on first use, once per process, and finding its functions.
#include "CLibraryLoader.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

const char *vl_library_load(struct vl_library *library) {
    pthread_mutex_lock(&library->lock);
    if (library->state == 0) {
        library->state = 1;
        for (int i = 0; i < library->count; i++) {
            library->handles[i] = dlopen(library->sonames[i], RTLD_LAZY | RTLD_LOCAL);
            if (!library->handles[i]) {
                const char *reason = dlerror();
                snprintf(library->error, sizeof library->error, "cannot load %s (%s): %s", library->name,
                         library->sonames[i], reason ? reason : "unknown error");
                library->state = -1;
                break;
            }
        }
    }
    // `error` is written once, before the state says failed, and never again.
    const char *failure = library->state < 0 ? library->error : NULL;
    pthread_mutex_unlock(&library->lock);
    return failure;
}

void *vl_library_resolve(struct vl_library *library, const char *symbol) {
    const char *failure = vl_library_load(library);
    if (failure) {
        fprintf(stderr, "video-lambda: %s (needed for %s)\n", failure, symbol);
        abort();
    }
    for (int i = 0; i < library->count; i++) {
        void *function = dlsym(library->handles[i], symbol);
        if (function) return function;
    }
    fprintf(stderr, "video-lambda: %s has no function %s\n", library->name, symbol);
    abort();
}
