// The local APIC (SDM Vol. 3A ch. 11): x2APIC through MSRs when CPUID.01H:
// ECX[21] says so (unless the command line has "xapic"), otherwise xAPIC
// MMIO at IA32_APIC_BASE (0xFEE00000, mapped uncached).
#pragma once

#include <stdint.h>

#include "rt/trap.h"

namespace rt {

// Register offsets (xAPIC MMIO offsets; x2APIC MSR = 0x800 + offset / 16).
inline constexpr uint32_t kApicId = 0x20, kApicVersion = 0x30, kApicTpr = 0x80, kApicEoi = 0xB0,
                          kApicSvr = 0xF0, kApicIcrLow = 0x300, kApicIcrHigh = 0x310,
                          kApicLvtTimer = 0x320, kApicLvtPerf = 0x340, kApicLvtLint0 = 0x350,
                          kApicLvtLint1 = 0x360, kApicLvtError = 0x370;

// LVT entry fields (SDM Vol. 3A Figure 11-8).
inline constexpr uint32_t kLvtMasked = 1u << 16;
inline constexpr uint32_t kLvtDeliveryNmi = 4u << 8;
inline constexpr uint32_t kLvtDeliveryMask = 7u << 8;

// Enables the APIC (IA32_APIC_BASE.EN, SVR software enable with spurious
// vector 0xFF, TPR 0). Idempotent; the other functions call it.
void apic_init();
bool apic_is_x2apic();
uint32_t apic_read(uint32_t offset);
void apic_write(uint32_t offset, uint32_t value);
void apic_eoi();

uint32_t lvtpc_read();
void lvtpc_write(uint32_t value);
// The APIC sets LVTPC's mask bit when it delivers a PMI (SDM Vol. 3B
// 21.x "Generating an Interrupt on Overflow"); a handler re-arms with this.
void lvtpc_unmask();

// Registers `handler` for performance-monitoring interrupts and points
// LVTPC at it, unmasked: as an NMI when vector == 0, else as a fixed
// interrupt with that vector (32..254; the runtime sends the EOI). A PMI
// that arrives in a user task has frame.from_user() and frame.rip of the
// interrupted user instruction. Interrupts must be enabled (user tasks
// always run with IF=1; kernel code calls irq_enable()) for fixed vectors.
void set_pmi_handler(TrapHandler handler, uint8_t vector = 0);

// Sends this CPU an interrupt (fixed vector) or, with vector 0, an NMI.
void apic_self_ipi(uint8_t vector);

}  // namespace rt
