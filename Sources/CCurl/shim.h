// libcurl for Swift. curl_easy_setopt and curl_easy_getinfo are variadic, so
// Swift cannot call them; these inline wrappers fix one argument type each.
#include <curl/curl.h>

typedef size_t (*upx_curl_write_callback)(char *data, size_t size, size_t count, void *context);

static inline CURLcode upx_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode upx_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode upx_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode upx_curl_setopt_write_callback(CURL *handle, CURLoption option, upx_curl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode upx_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode upx_curl_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}
