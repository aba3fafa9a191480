/* LD_PRELOAD shim for Debian 12's `syncevolution` command-line SyncML client (bench only).
 *
 * Its curl transport passes NULL read and write callbacks to libcurl, so the client crashes
 * on its first HTTP POST (see shared notes on peers). This shim wraps curl_easy_setopt: a
 * NULL CURLOPT_WRITEFUNCTION / CURLOPT_READFUNCTION becomes a callback that forwards to
 * SyncEvo::CurlTransportAgent::writeData / readData on the agent given as the user data.
 * It also counts the messages sent (curl_easy_perform calls) and, when
 * $SYNCEVO_SHIM_COUNT names a file, appends that count to it at exit.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#define CURLOPT_WRITEFUNCTION 20011
#define CURLOPT_READFUNCTION 20012

/* size_t SyncEvo::CurlTransportAgent::writeData(void *buffer, size_t size) and readData. */
extern size_t _ZN7SyncEvo18CurlTransportAgent9writeDataEPvm(void *self, void *buf, size_t n);
extern size_t _ZN7SyncEvo18CurlTransportAgent8readDataEPvm(void *self, void *buf, size_t n);

static unsigned long performed;

static size_t write_cb(void *ptr, size_t size, size_t nmemb, void *agent)
{
    return _ZN7SyncEvo18CurlTransportAgent9writeDataEPvm(agent, ptr, size * nmemb);
}

static size_t read_cb(void *ptr, size_t size, size_t nmemb, void *agent)
{
    return _ZN7SyncEvo18CurlTransportAgent8readDataEPvm(agent, ptr, size * nmemb);
}

int curl_easy_setopt(void *handle, int option, ...)
{
    static int (*real)(void *, int, ...);
    va_list ap;
    void *arg;

    if (!real)
        real = (int (*)(void *, int, ...))dlsym(RTLD_NEXT, "curl_easy_setopt");
    /* Every option takes one argument that fits a register: long, pointer or curl_off_t. */
    va_start(ap, option);
    arg = va_arg(ap, void *);
    va_end(ap);
    if (option == CURLOPT_WRITEFUNCTION && arg == NULL)
        arg = (void *)write_cb;
    if (option == CURLOPT_READFUNCTION && arg == NULL)
        arg = (void *)read_cb;
    return real(handle, option, arg);
}

int curl_easy_perform(void *handle)
{
    static int (*real)(void *);

    if (!real)
        real = (int (*)(void *))dlsym(RTLD_NEXT, "curl_easy_perform");
    performed++;
    return real(handle);
}

__attribute__((destructor)) static void report(void)
{
    const char *path = getenv("SYNCEVO_SHIM_COUNT");
    FILE *f;

    if (!path || !*path)
        return;
    f = fopen(path, "a");
    if (f) {
        fprintf(f, "%lu\n", performed);
        fclose(f);
    }
}
