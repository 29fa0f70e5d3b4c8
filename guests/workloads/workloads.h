// The paper's workloads (SysOptic Figs. 7-12), one source for two builds:
// user code of the workloads guest (guests/workloads/guest_main.cpp, run at
// CPL3 where the PVM host runs it natively) and the native host program
// (native_main.cpp). Freestanding: no C library, no libm, no allocation --
// the caller hands over a scratch buffer. Each returns a checksum so the
// compiler cannot drop the work, and the two builds can be compared.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace wl {

struct Params {
    uint64_t scale = 1;           // work units; about 10 ms each natively on the dev host
    uint8_t* buffer = nullptr;    // scratch for memsweep
    uint64_t buffer_bytes = 0;
    uint64_t working_set = 0;     // memsweep: bytes walked (≤ buffer_bytes)
};

using RunFn = uint64_t (*)(const Params&);

struct Workload {
    const char* name;
    RunFn run;
    const char* what;
};

// stress-ng-style CPU methods.
uint64_t pi(const Params& p);          // Machin's formula by arctangent series, doubles
uint64_t matrixprod(const Params& p);  // 128x128 double matrix product
uint64_t crc16(const Params& p);       // CCITT CRC-16 over 1 KiB of pseudo-random data
uint64_t ackermann(const Params& p);   // A(3, 7) by plain recursion
// computea and computeb run the same floating-point kernel; compute() gives
// computea 7 of every 10 units and computeb 3: a known 70/30 time split.
uint64_t compute(const Params& p);
uint64_t computea(uint64_t units);
uint64_t computeb(uint64_t units);
inline constexpr uint64_t kComputeaShare = 70;  // percent of compute()'s time in computea
// A random pointer chase through `working_set` bytes (one 64-byte line per
// hop): its time per hop shows the cache and TLB level the set fits in.
uint64_t memsweep(const Params& p);
inline constexpr uint64_t kMemsweepHopsPerUnit = 1u << 20;

// All of them, for name lookup; nullptr-terminated.
extern const Workload kWorkloads[];
const Workload* find(const char* name);

}  // namespace wl
