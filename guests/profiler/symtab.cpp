#include "symtab.h"

extern "C" const char vpmu_symtab[];
extern "C" const char vpmu_symtab_end[];

namespace prof {
namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Reads a hex number at text[at..]; moves `at` past it and one space.
bool read_hex(const char* text, size_t size, size_t& at, uint64_t& value) {
    value = 0;
    size_t digits = 0;
    for (; at < size && hex_digit(text[at]) >= 0; ++at, ++digits) {
        value = value << 4 | static_cast<uint64_t>(hex_digit(text[at]));
    }
    if (digits == 0 || at >= size || text[at] != ' ') return false;
    ++at;
    return true;
}

}  // namespace

SymtabText embedded_symtab() {
    return {vpmu_symtab, static_cast<size_t>(vpmu_symtab_end - vpmu_symtab)};
}

size_t parse_symtab(SymtabText table, Symbol* out, size_t capacity, char* names, size_t names_size) {
    size_t count = 0, used = 0, at = 0;
    while (at < table.size && table.text[at] != '\0' && count < capacity) {
        if (table.text[at] == '\n') {
            ++at;
            continue;
        }
        uint64_t start = 0, size = 0;
        const bool ok = read_hex(table.text, table.size, at, start) && read_hex(table.text, table.size, at, size);
        const size_t name_at = at;
        while (at < table.size && table.text[at] != '\n' && table.text[at] != '\0') ++at;
        const size_t length = at - name_at;
        if (!ok || used + length + 1 > names_size) continue;
        for (size_t i = 0; i < length; ++i) names[used + i] = table.text[name_at + i];
        names[used + length] = '\0';
        out[count++] = Symbol{start, size ? start + size : 0, names + used};
        used += length + 1;
    }
    // Sized by nm, or else up to the next symbol.
    for (size_t i = 0; i < count; ++i) {
        if (out[i].end == 0) out[i].end = i + 1 < count ? out[i + 1].start : out[i].start + 1;
    }
    return count;
}

const Symbol* find_symbol(const Symbol* symbols, size_t count, uint64_t address) {
    // The last symbol starting at or before the address (the table is sorted).
    size_t lo = 0, hi = count;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (symbols[mid].start <= address) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == 0) return nullptr;
    const Symbol* s = &symbols[lo - 1];
    return address < s->end ? s : nullptr;
}

}  // namespace prof
