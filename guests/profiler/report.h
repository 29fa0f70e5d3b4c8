// `perf report` for a list of sampled instruction pointers: samples per
// function, as a table and as one JSON line. Portable (guest user code and
// the native workload program); printing goes through the caller's printf,
// which only needs %s %lu %c, widths and '-' (the guest's rt::printf).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "symtab.h"

namespace prof {

using PrintFn = void (*)(const char* fmt, ...);

struct Row {
    const char* symbol;  // "[unknown]" for addresses outside every symbol
    uint64_t samples;
};

// Counts `samples` per symbol into `rows` (capacity ≥ symbol count + 1),
// sorted by samples, most first; `counts` is scratch of symbol count + 1.
// Returns the number of rows with samples.
size_t aggregate(const uint64_t* samples, size_t n, const Symbol* symbols, size_t symbol_count,
                 uint64_t* counts, Row* rows);

struct ReportInfo {
    const char* event;   // "cycles"
    uint64_t period;     // events per sample
    uint64_t samples;    // taken (≥ the rows' sum when some were lost)
    uint64_t lost;       // taken but not stored (buffer full)
    size_t top;          // rows to print in the table (JSON has them all)
};

// "# Samples: N of event 'cycles', period P" then "Overhead Samples Symbol" rows.
void print_table(PrintFn print, const ReportInfo& info, const Row* rows, size_t count);
// One line: PROFILE {"event":...,"period":...,"samples":...,"lost":...,
// "functions":[{"symbol":...,"samples":...,"percent":...},...]}
void print_json(PrintFn print, const ReportInfo& info, const Row* rows, size_t count);

// Everything above for the image's own embedded table: parses it into
// storage taken from `scratch` (≥ kReportScratchBytes), aggregates,
// prints both. Returns false (and prints why) when the table is empty.
inline constexpr size_t kMaxSymbols = 4096;
inline constexpr size_t kReportScratchBytes = kMaxSymbols * (sizeof(Symbol) + 8 + sizeof(Row)) + 131072;
bool report(PrintFn print, const ReportInfo& info, const uint64_t* samples, size_t n, void* scratch);

}  // namespace prof
