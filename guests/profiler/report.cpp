#include "report.h"

namespace prof {
namespace {

// Hundredths of a percent of part/whole, for "%lu.%02lu" (no %f in the guest's printf).
uint64_t centi_percent(uint64_t part, uint64_t whole) {
    return whole == 0 ? 0 : (part * 10000 + whole / 2) / whole;
}

void print_json_string(PrintFn print, const char* s) {
    print("\"");
    for (; *s; ++s) {
        if (*s == '"' || *s == '\\') {
            print("\\%c", *s);
        } else if (static_cast<unsigned char>(*s) >= 0x20) {
            print("%c", *s);
        }
    }
    print("\"");
}

}  // namespace

size_t aggregate(const uint64_t* samples, size_t n, const Symbol* symbols, size_t symbol_count,
                 uint64_t* counts, Row* rows) {
    for (size_t i = 0; i <= symbol_count; ++i) counts[i] = 0;
    for (size_t i = 0; i < n; ++i) {
        const Symbol* s = find_symbol(symbols, symbol_count, samples[i]);
        ++counts[s ? static_cast<size_t>(s - symbols) : symbol_count];
    }
    size_t used = 0;
    for (size_t i = 0; i <= symbol_count; ++i) {
        if (counts[i] == 0) continue;
        Row row{i < symbol_count ? symbols[i].name : "[unknown]", counts[i]};
        // Insertion by samples, most first (few rows have samples).
        size_t at = used++;
        while (at > 0 && rows[at - 1].samples < row.samples) {
            rows[at] = rows[at - 1];
            --at;
        }
        rows[at] = row;
    }
    return used;
}

void print_table(PrintFn print, const ReportInfo& info, const Row* rows, size_t count) {
    print("# Samples: %lu of event '%s', period %lu (%lu lost)\n", static_cast<unsigned long>(info.samples),
          info.event, static_cast<unsigned long>(info.period), static_cast<unsigned long>(info.lost));
    print("# Overhead  Samples  Symbol\n");
    uint64_t stored = 0;
    for (size_t i = 0; i < count; ++i) stored += rows[i].samples;
    for (size_t i = 0; i < count && i < info.top; ++i) {
        const uint64_t cp = centi_percent(rows[i].samples, stored);
        print("%7lu.%02lu%% %8lu  %s\n", static_cast<unsigned long>(cp / 100), static_cast<unsigned long>(cp % 100),
              static_cast<unsigned long>(rows[i].samples), rows[i].symbol);
    }
}

void print_json(PrintFn print, const ReportInfo& info, const Row* rows, size_t count) {
    uint64_t stored = 0;
    for (size_t i = 0; i < count; ++i) stored += rows[i].samples;
    print("PROFILE {\"event\":\"%s\",\"period\":%lu,\"samples\":%lu,\"lost\":%lu,\"functions\":[", info.event,
          static_cast<unsigned long>(info.period), static_cast<unsigned long>(info.samples),
          static_cast<unsigned long>(info.lost));
    for (size_t i = 0; i < count; ++i) {
        const uint64_t cp = centi_percent(rows[i].samples, stored);
        print(i ? ",{\"symbol\":" : "{\"symbol\":");
        print_json_string(print, rows[i].symbol);
        print(",\"samples\":%lu,\"percent\":%lu.%02lu}", static_cast<unsigned long>(rows[i].samples),
              static_cast<unsigned long>(cp / 100), static_cast<unsigned long>(cp % 100));
    }
    print("]}\n");
}

bool report(PrintFn print, const ReportInfo& info, const uint64_t* samples, size_t n, void* scratch) {
    auto* symbols = static_cast<Symbol*>(scratch);
    auto* counts = reinterpret_cast<uint64_t*>(symbols + kMaxSymbols);
    auto* rows = reinterpret_cast<Row*>(counts + kMaxSymbols + 1);
    auto* names = reinterpret_cast<char*>(rows + kMaxSymbols + 1);
    const size_t names_size = kReportScratchBytes - static_cast<size_t>(names - static_cast<char*>(scratch));
    const size_t count = parse_symtab(embedded_symtab(), symbols, kMaxSymbols, names, names_size);
    if (count == 0) {
        print("# no embedded symbol table (post-link step embed_symbols.cmake did not run)\n");
        return false;
    }
    const size_t used = aggregate(samples, n, symbols, count, counts, rows);
    print_table(print, info, rows, used);
    print_json(print, info, rows, used);
    return true;
}

}  // namespace prof
