// The symbol table a program carries about itself (embed_symbols.cmake):
// the section `vpmu_symtab` holds `nm -n -S -C` of the linked image as text,
// one function per line, "ADDRESS SIZE NAME\n" in hex, sorted by address,
// parameter lists dropped; unused bytes are newlines (or NUL before the
// post-link step filled it). Portable: the guest profiler and the native
// workload program both use it.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace prof {

struct Symbol {
    uint64_t start;
    uint64_t end;      // exclusive; a symbol without a size ends at the next one
    const char* name;  // NUL-terminated, in the caller's name storage
};

// The embedded table (vpmu_symtab.S): [vpmu_symtab, vpmu_symtab_end).
struct SymtabText {
    const char* text;
    size_t size;
};
SymtabText embedded_symtab();

// Parses `table` into at most `capacity` symbols, copying names into
// `names` (`names_size` bytes). Returns the number of symbols parsed.
size_t parse_symtab(SymtabText table, Symbol* out, size_t capacity, char* names, size_t names_size);

// The symbol whose [start, end) holds `address`, or nullptr.
const Symbol* find_symbol(const Symbol* symbols, size_t count, uint64_t address);

}  // namespace prof
