#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift does not import. One wrapper per argument type.
static inline CURLcode tc_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode tc_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode tc_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode tc_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

typedef size_t (*tc_curl_data_callback)(char *data, size_t size, size_t count, void *context);

static inline CURLcode tc_curl_setopt_callback(CURL *handle, CURLoption option, tc_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode tc_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode tc_curl_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}

typedef int (*tc_curl_progress_callback)(void *context, curl_off_t download_total, curl_off_t download_now,
                                         curl_off_t upload_total, curl_off_t upload_now);

static inline CURLcode tc_curl_setopt_progress(CURL *handle, CURLoption option, tc_curl_progress_callback value) {
    return curl_easy_setopt(handle, option, value);
}

// CURL_GLOBAL_DEFAULT is a macro built from other macros, which Swift does not import.
static inline CURLcode tc_curl_global_init_default(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}
