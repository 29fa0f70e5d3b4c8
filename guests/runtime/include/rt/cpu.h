// Single instructions the guest needs, as inline functions. The *_safe
// forms register their instruction in the exception table (.extable): if it
// faults, the trap handler resumes at a fixup that reports failure, and
// rt::last_fault() tells which exception it was (rt/trap.h).
#pragma once

#include <stdint.h>

// Registers the instruction at local label 1 with fixup label 3 (the fixup
// code jumps back to label 2). See rt_trap_dispatch in traps.cpp.
#define RT_EXTABLE(insn, fixup) \
    ".pushsection .extable, \"a\"\n .balign 8\n .quad " #insn ", " #fixup "\n .popsection\n"

namespace rt {

inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
inline uint8_t inb(uint16_t port) {
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
inline uint32_t inl(uint16_t port) {
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

struct CpuidRegs {
    uint32_t eax, ebx, ecx, edx;
};
inline CpuidRegs cpuid(uint32_t leaf, uint32_t subleaf = 0) {
    CpuidRegs r;
    __asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
    return r;
}

inline uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
    return uint64_t(hi) << 32 | lo;
}
inline void wrmsr(uint32_t msr, uint64_t v) {
    __asm__ volatile("wrmsr" : : "c"(msr), "a"(uint32_t(v)), "d"(uint32_t(v >> 32)) : "memory");
}

// RDMSR that reports a fault (e.g. #GP for an absent MSR) instead of dying.
inline bool rdmsr_safe(uint32_t msr, uint64_t* value) {
    uint32_t lo, hi;
    int faulted = 0;
    __asm__ volatile(
        "1: rdmsr\n2:\n"
        ".pushsection .fixup, \"ax\"\n"
        "3: movl $1, %[f]\n xorl %%eax, %%eax\n xorl %%edx, %%edx\n jmp 2b\n"
        ".popsection\n" RT_EXTABLE(1b, 3b)
        : "=a"(lo), "=d"(hi), [f] "+r"(faulted)
        : "c"(msr)
        : "memory");
    *value = uint64_t(hi) << 32 | lo;
    return !faulted;
}
inline bool wrmsr_safe(uint32_t msr, uint64_t v) {
    int faulted = 0;
    __asm__ volatile(
        "1: wrmsr\n2:\n"
        ".pushsection .fixup, \"ax\"\n"
        "3: movl $1, %[f]\n jmp 2b\n"
        ".popsection\n" RT_EXTABLE(1b, 3b)
        : [f] "+r"(faulted)
        : "c"(msr), "a"(uint32_t(v)), "d"(uint32_t(v >> 32))
        : "memory");
    return !faulted;
}

// RDPMC (SDM Vol. 2B): ECX[30] selects the fixed counters. On hosts whose
// KVM has no PMU it always #GPs; see rt::enable_rdpmc_emulation().
inline uint64_t rdpmc(uint32_t ecx) {
    uint32_t lo, hi;
    __asm__ volatile("rdpmc" : "=a"(lo), "=d"(hi) : "c"(ecx) : "memory");
    return uint64_t(hi) << 32 | lo;
}

inline uint64_t rdtsc() {
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return uint64_t(hi) << 32 | lo;
}

inline uint64_t read_cr2() {
    uint64_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}
inline uint64_t read_cr4() {
    uint64_t v;
    __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}
inline void write_cr4(uint64_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }

// Current privilege level, from CS (user tasks run at 3).
inline unsigned cpl() {
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    return cs & 3;
}

inline void irq_enable() { __asm__ volatile("sti" : : : "memory"); }
inline void irq_disable() { __asm__ volatile("cli" : : : "memory"); }
inline void pause() { __asm__ volatile("pause"); }
inline void barrier() { __asm__ volatile("" : : : "memory"); }

}  // namespace rt
