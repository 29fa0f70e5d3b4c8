// The guest's own `perf record`: one general-purpose counter (IA32_PMC0)
// counts an event in user mode with a sampling period; each overflow PMI
// stores the interrupted RIP and re-arms. Kernel code (CPL0), kept short:
// on the PVM host every guest-kernel instruction is emulated (~0.5 µs) and
// every PMU MSR access is an exit to the VMM (~10 µs).
//
// What one sample costs the guest kernel (the PMI path, NMI delivery):
// the isr.S stub and rt_trap_dispatch, then on_pmi(): one store of the RIP,
// two WRMSRs that exit to the VMM (IA32_PMC0 = -period, GLOBAL_OVF_CTRL =
// bit 0), one x2APIC LVTPC write (in-kernel APIC), no RDMSR: the handler
// knows PMC0 is the only counter it armed, so it does not read
// GLOBAL_STATUS. `vpmu bench` measures the instruction count with the
// precise backend (workloads guest, `kinst`).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace prof {

inline constexpr uint64_t kEventCycles = 0x3C;  // UnHalted Core Cycles, umask 0 (SDM Vol. 3B Table 21-1)

struct Options {
    uint64_t period = 0;           // events per sample, 1..2^31-1 (legacy PMC writes sign-extend bit 31)
    uint64_t event = kEventCycles; // EVTSEL[15:0]: event and umask
    uint8_t vector = 0;            // PMI delivery: 0 = NMI (no EOI), else a fixed vector 32..254
    uint64_t* buffer = nullptr;    // where the RIPs go
    size_t capacity = 0;
};

// Why start() refused, or nullptr when sampling is on.
const char* start(const Options& options);

struct Taken {
    uint64_t samples;  // PMIs taken
    uint64_t stored;   // RIPs in the buffer (samples - stored were lost)
};
// Stops the counter, clears its overflow; PMIs after this are none.
Taken stop();

}  // namespace prof
