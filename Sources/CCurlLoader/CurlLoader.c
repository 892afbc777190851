// libcurl's functions as the binaries see them: each resolves the real function on first call (see
// CCurlLoader.h for why). The definitions are checked by the compiler against curl.h's declarations.
#include "CCurlLoader.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>

#include "CLibraryLoader.h"

static const char *const sonames[] = { "libcurl.so.4" };
static void *handles[sizeof sonames / sizeof sonames[0]];
static struct vl_library curl = VL_LIBRARY("libcurl", sonames, handles);

const char *vl_curl_load(void) { return vl_library_load(&curl); }

static void *preload(void *unused) {
    (void)unused;
    // Global initialisation (OpenSSL's included) is thread-safe in the libcurl this runs with
    // (7.84 and later); the client's own call later only counts one more user.
    if (vl_curl_load() == NULL) curl_global_init(CURL_GLOBAL_DEFAULT);
    return NULL;
}

static void start_preload(void) {
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    // Without a thread the first request loads it instead.
    (void)pthread_create(&thread, &attributes, preload, NULL);
    pthread_attr_destroy(&attributes);
}

void vl_curl_preload(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, start_preload);
}

VL_FORWARD(&curl, CURLcode, curl_global_init, (long flags), (flags))
VL_FORWARD(&curl, CURL *, curl_easy_init, (void), ())
VL_FORWARD_VOID(&curl, curl_easy_cleanup, (CURL *handle), (handle))
VL_FORWARD_VOID(&curl, curl_easy_reset, (CURL *handle), (handle))
VL_FORWARD(&curl, CURLcode, curl_easy_perform, (CURL *handle), (handle))
VL_FORWARD(&curl, const char *, curl_easy_strerror, (CURLcode code), (code))
VL_FORWARD(&curl, CURLcode, curl_easy_send, (CURL *handle, const void *buffer, size_t length, size_t *sent),
           (handle, buffer, length, sent))
VL_FORWARD(&curl, CURLcode, curl_easy_recv, (CURL *handle, void *buffer, size_t length, size_t *received),
           (handle, buffer, length, received))
VL_FORWARD(&curl, struct curl_slist *, curl_slist_append, (struct curl_slist *list, const char *text), (list, text))
VL_FORWARD_VOID(&curl, curl_slist_free_all, (struct curl_slist *list), (list))

// The variadic two take exactly one argument after the option, whose type the option's number
// says (as libcurl itself reads it): a long, a curl_off_t, or a pointer (data, callback, blob).
CURLcode curl_easy_setopt(CURL *handle, CURLoption option, ...) {
    VL_REAL(&curl, curl_easy_setopt)
    va_list arguments;
    va_start(arguments, option);
    CURLcode result;
    if (option < CURLOPTTYPE_OBJECTPOINT) {
        long value = va_arg(arguments, long);
        result = fn(handle, option, value);
    } else if (option >= CURLOPTTYPE_OFF_T && option < CURLOPTTYPE_BLOB) {
        curl_off_t value = va_arg(arguments, curl_off_t);
        result = fn(handle, option, value);
    } else {
        void *value = va_arg(arguments, void *);
        result = fn(handle, option, value);
    }
    va_end(arguments);
    return result;
}

CURLcode curl_easy_getinfo(CURL *handle, CURLINFO info, ...) {
    VL_REAL(&curl, curl_easy_getinfo)
    va_list arguments;
    va_start(arguments, info);
    void *target = va_arg(arguments, void *);
    va_end(arguments);
    return fn(handle, info, target);
}
