// Local APIC access, xAPIC (MMIO) or x2APIC (MSRs), SDM Vol. 3A ch. 11.
#include "rt/apic.h"

#include "rt/boot.h"
#include "rt/cpu.h"

namespace rt {
namespace {

constexpr uint32_t kMsrApicBase = 0x1B;
constexpr uint64_t kApicBaseEnable = 1u << 11;  // IA32_APIC_BASE.EN
constexpr uint64_t kApicBaseX2 = 1u << 10;      // IA32_APIC_BASE.EXTD
constexpr uint32_t kCpuid1EcxX2apic = 1u << 21;
constexpr uint32_t kX2apicMsrBase = 0x800;
constexpr uint32_t kSvrEnable = 1u << 8;
constexpr uint32_t kIcrAssert = 1u << 14;
constexpr uint32_t kIcrSelf = 1u << 18;  // destination shorthand 01b

bool initialised;
bool x2apic;
volatile uint32_t* mmio;

}  // namespace

void apic_init() {
    if (initialised) return;
    initialised = true;
    uint64_t base = rdmsr(kMsrApicBase);
    x2apic = (cpuid(1).ecx & kCpuid1EcxX2apic) && !cmdline_flag("xapic");
    if (x2apic) {
        // xAPIC -> x2APIC by setting EXTD with EN (SDM Vol. 3A 11.12.5).
        wrmsr(kMsrApicBase, base | kApicBaseEnable | kApicBaseX2);
    } else {
        if (!(base & kApicBaseEnable)) wrmsr(kMsrApicBase, base | kApicBaseEnable);
        // Identity-mapped and uncached by entry.S when below 4 GiB.
        mmio = reinterpret_cast<volatile uint32_t*>(uintptr_t(base & 0xFFFFF000u));
    }
    apic_write(kApicTpr, 0);
    apic_write(kApicSvr, kSvrEnable | SPURIOUS_VECTOR);
}

bool apic_is_x2apic() {
    apic_init();
    return x2apic;
}

uint32_t apic_read(uint32_t offset) {
    apic_init();
    if (x2apic) return uint32_t(rdmsr(kX2apicMsrBase + offset / 16));
    return mmio[offset / 4];
}

void apic_write(uint32_t offset, uint32_t value) {
    apic_init();
    if (x2apic) wrmsr(kX2apicMsrBase + offset / 16, value);
    else mmio[offset / 4] = value;
}

// Called after every fixed-vector handler: keep it short.
void apic_eoi() {
    if (x2apic) wrmsr(kX2apicMsrBase + kApicEoi / 16, 0);
    else if (mmio != nullptr) mmio[kApicEoi / 4] = 0;
}

uint32_t lvtpc_read() { return apic_read(kApicLvtPerf); }
void lvtpc_write(uint32_t value) { apic_write(kApicLvtPerf, value); }
void lvtpc_unmask() { lvtpc_write(lvtpc_read() & ~kLvtMasked); }

void set_pmi_handler(TrapHandler handler, uint8_t vector) {
    apic_init();
    if (vector == 0) {
        set_trap_handler(kNmi, handler);
        lvtpc_write(kLvtDeliveryNmi);
    } else {
        set_trap_handler(vector, handler);
        lvtpc_write(vector);
    }
}

void apic_self_ipi(uint8_t vector) {
    apic_init();
    uint32_t icr = kIcrAssert | kIcrSelf | (vector == 0 ? kLvtDeliveryNmi : vector);
    if (x2apic) {
        wrmsr(kX2apicMsrBase + kApicIcrLow / 16, icr);  // one 64-bit ICR MSR
    } else {
        mmio[kApicIcrHigh / 4] = 0;
        mmio[kApicIcrLow / 4] = icr;
    }
}

}  // namespace rt
