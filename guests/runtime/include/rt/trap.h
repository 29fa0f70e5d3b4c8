// Exceptions and interrupts. Every vector enters isr.S, which saves the
// caller-saved registers into a Frame and calls the handler registered for
// the vector. Unregistered exceptions go through the exception table
// (rdmsr_safe and friends), then RDPMC emulation, then print and exit with
// rt::kExitFatal.
#pragma once

#include <stdint.h>

#include "rt/layout.h"

namespace rt {

// Mirrors the pushes in isr.S (lowest address first).
struct Frame {
    uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;  // pushed by the CPU (SDM Vol. 3A 6.14.2)
    bool from_user() const { return (cs & 3) == 3; }
};

using TrapHandler = void (*)(Frame&);

// Exception vectors (SDM Vol. 3A Table 6-1).
inline constexpr uint8_t kDivideError = 0, kNmi = 2, kInvalidOpcode = 6, kDoubleFault = 8,
                         kGeneralProtection = 13, kPageFault = 14;

// Installs `handler` for `vector` (nullptr restores the default). For
// vectors 32-254 other than the system-call vector the runtime sends the
// local APIC an EOI after the handler returns. NMIs run on their own stack.
void set_trap_handler(uint8_t vector, TrapHandler handler);

// The last fault a *_safe instruction absorbed.
struct FaultInfo {
    uint64_t vector;
    uint64_t error;
    uint64_t rip;
    uint64_t cr2;  // page faults only
};
const FaultInfo& last_fault();

// On this host RDPMC always #GPs (KVM has no in-kernel PMU, DESIGN.md).
// When on, the #GP (or #UD) handler emulates RDPMC with RDMSR of
// IA32_PMCx (0xC1+i) or IA32_FIXED_CTRx (0x309+i, ECX[30] set), and CR4.PCE
// is set so that CPL3 may use it (SDM Vol. 2B RDPMC).
void enable_rdpmc_emulation(bool on);
uint64_t rdpmc_emulations();  // how many RDPMCs were emulated

const char* exception_name(uint64_t vector);

}  // namespace rt
