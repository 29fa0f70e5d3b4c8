// The guest command line: space-separated "key=value" and "flag" words.
#include "rt/boot.h"

namespace rt {
namespace {

// The word starting at `w` is `key` or starts with "key=": returns what
// follows the key, else nullptr.
const char* match(const char* w, const char* key) {
    while (*key != 0 && *w == *key) ++w, ++key;
    if (*key != 0) return nullptr;
    return (*w == 0 || *w == ' ' || *w == '=') ? w : nullptr;
}

const char* find(const char* key) {
    const char* s = boot_info().cmdline;
    while (s != nullptr && *s != 0) {
        while (*s == ' ') ++s;
        if (const char* rest = match(s, key)) return rest;
        while (*s != 0 && *s != ' ') ++s;
    }
    return nullptr;
}

}  // namespace

bool cmdline_flag(const char* word) { return find(word) != nullptr; }

bool cmdline_value(const char* key, char* buf, size_t size) {
    const char* rest = find(key);
    if (rest == nullptr || *rest != '=') return false;
    ++rest;
    size_t n = 0;
    while (rest[n] != 0 && rest[n] != ' ' && n + 1 < size) {
        buf[n] = rest[n];
        ++n;
    }
    if (size > 0) buf[n] = 0;
    return true;
}

uint64_t cmdline_u64(const char* key, uint64_t fallback) {
    char buf[24];
    if (!cmdline_value(key, buf, sizeof buf) || buf[0] == 0) return fallback;
    const char* p = buf;
    unsigned base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) base = 16, p += 2;
    uint64_t v = 0;
    for (; *p != 0; ++p) {
        unsigned d;
        if (*p >= '0' && *p <= '9') d = unsigned(*p - '0');
        else if (*p >= 'a' && *p <= 'f') d = unsigned(*p - 'a' + 10);
        else if (*p >= 'A' && *p <= 'F') d = unsigned(*p - 'A' + 10);
        else return fallback;
        if (d >= base) return fallback;
        v = v * base + d;
    }
    return v;
}

}  // namespace rt
