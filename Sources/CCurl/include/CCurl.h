// libcurl for Swift, loaded with dlopen on first use.
//
// Linking libcurl would load it and its 30-odd dependencies in every run of every tool,
// about 5 ms, although only a login makes requests. curl_easy_setopt and
// curl_easy_getinfo are variadic, so Swift cannot call them: the wrappers below fix
// one argument type each.
#ifndef UPX_CCURL_H
#define UPX_CCURL_H

#include <curl/curl.h>
#include <stddef.h>

typedef size_t (*upx_curl_write_callback)(char *data, size_t size, size_t count, void *context);

/// The libcurl functions upx uses, resolved from libcurl.so.4.
struct upx_curl_api {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *handle);
    void (*easy_reset)(CURL *handle);
    CURLcode (*easy_setopt)(CURL *handle, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *handle, CURLINFO info, ...);
    CURLcode (*easy_perform)(CURL *handle);
    const char *(*easy_strerror)(CURLcode code);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *text);
    void (*slist_free_all)(struct curl_slist *list);
};

/// Returns libcurl's functions, loading the library once, on the first call from any
/// thread; NULL when libcurl.so.4 or one of its functions cannot be loaded.
const struct upx_curl_api *upx_curl(void);

CURLcode upx_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode upx_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode upx_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode upx_curl_setopt_write_callback(CURL *handle, CURLoption option, upx_curl_write_callback callback);
CURLcode upx_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode upx_curl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value);

#endif
