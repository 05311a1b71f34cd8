// Loads libcurl with dlopen on first use; see CCurl.h for why.

#include "CCurl.h"

#include <dlfcn.h>
#include <pthread.h>

static struct upx_curl_api upx_curl_loaded_api;
static int upx_curl_load_result = -1;
static pthread_once_t upx_curl_once = PTHREAD_ONCE_INIT;

static void upx_curl_load(void) {
    struct upx_curl_api *api = &upx_curl_loaded_api;
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) return;
    void **slots[] = {
        (void **)&api->global_init, (void **)&api->easy_init, (void **)&api->easy_cleanup,
        (void **)&api->easy_reset, (void **)&api->easy_setopt, (void **)&api->easy_getinfo,
        (void **)&api->easy_perform, (void **)&api->easy_strerror, (void **)&api->slist_append,
        (void **)&api->slist_free_all,
    };
    const char *names[] = {
        "curl_global_init", "curl_easy_init", "curl_easy_cleanup", "curl_easy_reset",
        "curl_easy_setopt", "curl_easy_getinfo", "curl_easy_perform", "curl_easy_strerror",
        "curl_slist_append", "curl_slist_free_all",
    };
    for (size_t index = 0; index < sizeof(names) / sizeof(names[0]); index++) {
        *slots[index] = dlsym(library, names[index]);
        if (*slots[index] == NULL) return;
    }
    if (api->global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK) upx_curl_load_result = 0;
}

const struct upx_curl_api *upx_curl(void) {
    pthread_once(&upx_curl_once, upx_curl_load);
    return upx_curl_load_result == 0 ? &upx_curl_loaded_api : NULL;
}

CURLcode upx_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return upx_curl()->easy_setopt(handle, option, value);
}

CURLcode upx_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return upx_curl()->easy_setopt(handle, option, value);
}

CURLcode upx_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return upx_curl()->easy_setopt(handle, option, value);
}

CURLcode upx_curl_setopt_write_callback(CURL *handle, CURLoption option, upx_curl_write_callback callback) {
    return upx_curl()->easy_setopt(handle, option, callback);
}

CURLcode upx_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return upx_curl()->easy_getinfo(handle, info, value);
}

CURLcode upx_curl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return upx_curl()->easy_getinfo(handle, info, value);
}
