#ifndef TAGCACHE_CRE2_H
#define TAGCACHE_CRE2_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A compiled RE2 regular expression. RE2 matches in time linear in the input and never backtracks.
typedef struct tc_re2 tc_re2;

/// Compiles `pattern` (UTF-8, `length` bytes) with RE2's default syntax.
/// Returns NULL when the pattern is invalid or needs more than `max_memory` bytes; `*error` then points at
/// RE2's message, which the caller frees with `tc_re2_free_error`.
tc_re2 *tc_re2_compile(const char *pattern, size_t length, long long max_memory, char **error);

/// Returns 1 when the whole of `text` (`length` bytes) matches, 0 otherwise. Safe to call from several threads
/// at once on one expression.
int tc_re2_full_match(const tc_re2 *expression, const char *text, size_t length);

void tc_re2_free(tc_re2 *expression);

void tc_re2_free_error(char *error);

#ifdef __cplusplus
}
#endif

#endif
