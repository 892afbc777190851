/* The practical limit for a runtime loop: the same GET next / POST response calls as any Lambda
 * runtime, over one keep-alive socket, with no parsing beyond what HTTP framing needs and no handler
 * work beyond echoing the event. `make bench-runtime` compares real runtimes against this.
 *
 * Built with -DRAW_LOOP_LIBCURL (raw-runtime-loop-libcurl) it first loads and initialises libcurl,
 * as a runtime that talks to the Runtime API through libcurl must before its first GET next, and
 * then runs the same loop: its cold start is the floor for such a runtime (ours among them), set by
 * loading and initialising libcurl and its ~30 libraries, not by the runtime's own code. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#ifdef RAW_LOOP_LIBCURL
#include <curl/curl.h>
#endif

static char buffer[8 << 20];

/* Reads one HTTP response: headers into buffer, body after them; returns the body length. */
static long read_response(int fd, char **body, char *request_id, size_t id_size) {
    size_t used = 0;
    char *end = NULL;
    while (!(end = memmem(buffer, used, "\r\n\r\n", 4))) {
        ssize_t n = read(fd, buffer + used, sizeof buffer - used);
        if (n <= 0) return -1;
        used += (size_t)n;
    }
    *end = '\0';
    long length = 0;
    for (char *line = strstr(buffer, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
        char *field = line + 2;
        if (strncasecmp(field, "content-length:", 15) == 0) length = strtol(field + 15, NULL, 10);
        if (request_id && strncasecmp(field, "lambda-runtime-aws-request-id:", 30) == 0) {
            char *value = field + 30;
            while (*value == ' ') value++;
            size_t n = strcspn(value, "\r\n");
            if (n >= id_size) n = id_size - 1;
            memcpy(request_id, value, n);
            request_id[n] = '\0';
        }
    }
    size_t header_bytes = (size_t)(end - buffer) + 4;
    while (used < header_bytes + (size_t)length) {
        ssize_t n = read(fd, buffer + used, sizeof buffer - used);
        if (n <= 0) return -1;
        used += (size_t)n;
    }
    *body = buffer + header_bytes;
    return length;
}

static int write_all(int fd, const char *data, size_t size) {
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n <= 0) return -1;
        data += n;
        size -= (size_t)n;
    }
    return 0;
}

int main(void) {
#ifdef RAW_LOOP_LIBCURL
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) { fprintf(stderr, "raw loop: libcurl does not initialise\n"); return 1; }
#endif
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    if (!api || !strchr(api, ':')) { fprintf(stderr, "raw loop: AWS_LAMBDA_RUNTIME_API is not host:port\n"); return 1; }
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)(strchr(api, ':') - api), api);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(strchr(api, ':') + 1)) };
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (inet_pton(AF_INET, host, &address.sin_addr) != 1 || connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        fprintf(stderr, "raw loop: cannot connect to %s\n", api);
        return 1;
    }
    static char event[6 << 20];
    static char request[8192];
    char request_id[128];
    for (;;) {
        int n = snprintf(request, sizeof request, "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: %s\r\n\r\n", api);
        char *body;
        if (write_all(fd, request, (size_t)n) != 0) return 1;
        long length = read_response(fd, &body, request_id, sizeof request_id);
        if (length < 0 || length > (long)sizeof event) return 1;
        memcpy(event, body, (size_t)length);
        n = snprintf(request, sizeof request,
                     "POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %ld\r\n\r\n",
                     request_id, api, length);
        if (write_all(fd, request, (size_t)n) != 0 || write_all(fd, event, (size_t)length) != 0) return 1;
        if (read_response(fd, &body, NULL, 0) < 0) return 1;
    }
}
