// RE2 behind a C interface for Swift: Go's regexp package is RE2's design, so RE2 with its
// default (non-POSIX) syntax gives Go's syntax, leftmost-first matching and linear time.
#include "cre2shim.h"

#include <re2/re2.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <new>
#include <string>
#include <vector>

struct hrctl_re2 {
    RE2 *re;
    std::vector<std::string> names;  // index = group number; "" when unnamed
    std::vector<char> has_name;
};

extern "C" hrctl_re2 *hrctl_re2_compile(const char *pattern, size_t len, size_t max_mem,
                                        int *code, char **arg, size_t *arg_len) {
    RE2::Options opts;
    opts.set_log_errors(false);
    opts.set_encoding(RE2::Options::EncodingUTF8);
    opts.set_longest_match(false);
    if (max_mem > 0) opts.set_max_mem(static_cast<int64_t>(max_mem));
    RE2 *re = new (std::nothrow) RE2(re2::StringPiece(pattern == nullptr ? "" : pattern, len), opts);
    if (re == nullptr) {
        *code = RE2::ErrorPatternTooLarge;
        *arg = nullptr;
        *arg_len = 0;
        return nullptr;
    }
    if (!re->ok()) {
        *code = re->error_code();
        const std::string &a = re->error_arg();
        *arg = static_cast<char *>(std::malloc(a.size() + 1));
        if (*arg != nullptr) {
            std::memcpy(*arg, a.data(), a.size());
            (*arg)[a.size()] = 0;
            *arg_len = a.size();
        } else {
            *arg_len = 0;
        }
        delete re;
        return nullptr;
    }
    hrctl_re2 *h = new (std::nothrow) hrctl_re2;
    if (h == nullptr) {
        delete re;
        *code = RE2::ErrorPatternTooLarge;
        *arg = nullptr;
        *arg_len = 0;
        return nullptr;
    }
    h->re = re;
    int n = re->NumberOfCapturingGroups();
    h->names.assign(n + 1, std::string());
    h->has_name.assign(n + 1, 0);
    for (const auto &kv : re->CapturingGroupNames()) {
        if (kv.first >= 0 && kv.first <= n) {
            h->names[kv.first] = kv.second;
            h->has_name[kv.first] = 1;
        }
    }
    *code = 0;
    return h;
}

extern "C" void hrctl_re2_free(hrctl_re2 *re) {
    if (re == nullptr) return;
    delete re->re;
    delete re;
}

extern "C" void hrctl_re2_free_text(char *text) { std::free(text); }

extern "C" int hrctl_re2_groups(const hrctl_re2 *re) { return re->re->NumberOfCapturingGroups(); }

extern "C" const char *hrctl_re2_group_name(const hrctl_re2 *re, int i) {
    if (i < 0 || i >= static_cast<int>(re->names.size()) || !re->has_name[i]) return nullptr;
    return re->names[i].c_str();
}

extern "C" int hrctl_re2_match(const hrctl_re2 *re, const char *text, size_t len, size_t start,
                               long *spans, int nspans) {
    if (start > len) return 0;
    re2::StringPiece whole(text == nullptr ? "" : text, text == nullptr ? 0 : len);
    std::vector<re2::StringPiece> sub(nspans > 0 ? nspans : 1);
    bool ok = re->re->Match(whole, start, whole.size(), RE2::UNANCHORED, sub.data(), nspans > 0 ? nspans : 0);
    if (!ok) return 0;
    for (int k = 0; k < nspans; k++) {
        if (sub[k].data() == nullptr) {
            spans[2 * k] = -1;
            spans[2 * k + 1] = -1;
        } else {
            long b = static_cast<long>(sub[k].data() - whole.data());
            spans[2 * k] = b;
            spans[2 * k + 1] = b + static_cast<long>(sub[k].size());
        }
    }
    return 1;
}
