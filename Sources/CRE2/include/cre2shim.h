#ifndef HRCTL_CRE2SHIM_H
#define HRCTL_CRE2SHIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A compiled RE2 program with the options Go's regexp package uses (Perl syntax, UTF-8,
/// leftmost-first). Immutable after compilation: safe to share between threads.
typedef struct hrctl_re2 hrctl_re2;

/// Compiles `len` bytes of `pattern`. On failure returns NULL, stores RE2's error code in
/// `*code` and a malloc'd copy of the offending fragment (RE2's error_arg, which follows Go's
/// choice of fragment) in `*arg` / `*arg_len`; free it with hrctl_re2_free_text.
hrctl_re2 *hrctl_re2_compile(const char *pattern, size_t len, size_t max_mem,
                             int *code, char **arg, size_t *arg_len);
void hrctl_re2_free(hrctl_re2 *re);
void hrctl_re2_free_text(char *text);

/// The number of capturing groups.
int hrctl_re2_groups(const hrctl_re2 *re);
/// The name of capturing group `i` (1-based), or NULL when it has none.
const char *hrctl_re2_group_name(const hrctl_re2 *re, int i);

/// Searches `text[start...]` (the bytes before `start` are context for `^` and `\b`, as in
/// Go's doExecute at a position) for the leftmost-first match. Fills `spans[2k]`, `spans[2k+1]`
/// with the byte offsets of group k for k < nspans, or -1 when a group did not take part.
/// Returns 1 on a match, 0 otherwise.
int hrctl_re2_match(const hrctl_re2 *re, const char *text, size_t len, size_t start,
                    long *spans, int nspans);

#ifdef __cplusplus
}
#endif

#endif
