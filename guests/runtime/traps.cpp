// TSS, IDT and the one C++ entry for every vector (rt_trap_dispatch).
#include "internal.h"
#include "rt/rt.h"

namespace rt {
namespace {

// 64-bit TSS (SDM Vol. 3A 8.7, Figure 8-11).
struct __attribute__((packed)) Tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};
static_assert(sizeof(Tss) == 104);

// 64-bit IDT gate (SDM Vol. 3A 6.14.1, Figure 6-8).
struct IdtGate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;  // P | DPL | type (0xE: interrupt gate, IF cleared)
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
};
static_assert(sizeof(IdtGate) == 16);

struct __attribute__((packed)) DescriptorPointer {
    uint16_t limit;
    uint64_t base;
};

struct ExtableEntry {
    uint64_t insn;
    uint64_t fixup;
};

constexpr uint8_t kGateKernel = 0x8E;  // present, DPL0, interrupt gate
constexpr uint8_t kGateUser = 0xEE;    // present, DPL3: int 0x80 from CPL3
constexpr uint8_t kIstNmi = 1, kIstDoubleFault = 2;
constexpr uint8_t kLegacyPicBase = 0x20;

Tss tss;
alignas(16) IdtGate idt[256];
TrapHandler handlers[256];
FaultInfo fault;
bool rdpmc_emulation;
uint64_t rdpmc_count;

extern "C" ExtableEntry __extable_start[], __extable_end[];

void load_tss() {
    tss.rsp[0] = uint64_t(uintptr_t(irq_stack_top));
    tss.ist[kIstNmi - 1] = uint64_t(uintptr_t(nmi_stack_top));
    tss.ist[kIstDoubleFault - 1] = uint64_t(uintptr_t(df_stack_top));
    tss.iomap_base = sizeof(Tss);  // no I/O bitmap: user port I/O is by IOPL
    // System-segment descriptor, 16 bytes (SDM Vol. 3A 8.2.3): type 9 is an
    // available 64-bit TSS.
    uint64_t base = uint64_t(uintptr_t(&tss));
    uint64_t limit = sizeof(Tss) - 1;
    uint64_t low = (limit & 0xFFFF) | (base & 0xFFFFFF) << 16 | 0x89ull << 40 |
                   ((limit >> 16) & 0xF) << 48 | ((base >> 24) & 0xFF) << 56;
    uint64_t high = base >> 32;
    __builtin_memcpy(gdt_tss, &low, 8);
    __builtin_memcpy(gdt_tss + 8, &high, 8);
    __asm__ volatile("ltr %w0" : : "r"(TSS_SEL));
}

void load_idt() {
    for (unsigned v = 0; v < 256; ++v) {
        uint64_t stub = uint64_t(uintptr_t(rt_isr_stubs)) + 16 * v;
        IdtGate& g = idt[v];
        g.offset_low = uint16_t(stub);
        g.selector = KERNEL_CS;
        g.ist = v == kNmi ? kIstNmi : v == kDoubleFault ? kIstDoubleFault : 0;
        g.type_attr = v == SYSCALL_VECTOR ? kGateUser : kGateKernel;
        g.offset_mid = uint16_t(stub >> 16);
        g.offset_high = uint32_t(stub >> 32);
    }
    DescriptorPointer p{sizeof idt - 1, uint64_t(uintptr_t(idt))};
    __asm__ volatile("lidt %0" : : "m"(p));
}

bool apply_fixup(Frame& f) {
    for (ExtableEntry* e = __extable_start; e != __extable_end; ++e) {
        if (e->insn != f.rip) continue;
        fault = {f.vector, f.error, f.rip, f.vector == kPageFault ? read_cr2() : 0};
        f.rip = e->fixup;
        return true;
    }
    return false;
}

// RDPMC is 0F 33 (SDM Vol. 2B). ECX[30] selects the fixed counters, the
// low bits the index; the MSR read gives the same full-width value.
bool emulate_rdpmc(Frame& f) {
    if (!rdpmc_emulation) return false;
    const auto* insn = reinterpret_cast<const uint8_t*>(uintptr_t(f.rip));
    if (insn[0] != 0x0F || insn[1] != 0x33) return false;
    // CR4.PCE = 0 forbids RDPMC above CPL0: a real #GP.
    if (f.from_user() && !(read_cr4() & CR4_PCE)) return false;
    uint32_t ecx = uint32_t(f.rcx);
    uint32_t index = ecx & 0x3FFFFFFF;
    uint32_t msr = (ecx & (1u << 30)) ? 0x309 + index : 0xC1 + index;
    FaultInfo saved = fault;
    uint64_t value;
    bool ok = rdmsr_safe(msr, &value);
    fault = saved;
    if (!ok) return false;  // absent counter: the #GP hardware would give
    f.rax = uint32_t(value);
    f.rdx = value >> 32;
    f.rip += 2;
    ++rdpmc_count;
    return true;
}

[[noreturn]] void fatal(const Frame& f) {
    printf("\nFATAL: %s (vector %lu) error 0x%lx at rip 0x%lx in %s mode", exception_name(f.vector),
           f.vector, f.error, f.rip, f.from_user() ? "user" : "kernel");
    if (f.vector == kPageFault) printf(", cr2 0x%lx", read_cr2());
    printf("\n  cs 0x%lx ss 0x%lx rsp 0x%lx rflags 0x%lx rax 0x%lx rcx 0x%lx rdx 0x%lx rsi 0x%lx rdi 0x%lx\n", f.cs, f.ss, f.rsp,
           f.rflags, f.rax, f.rcx, f.rdx, f.rsi, f.rdi);
    exit(kExitFatal);
}

// Firmware (SeaBIOS under QEMU) may leave the legacy 8259 PICs delivering
// the timer at vector 8, which would pass for a #DF once IF=1. Move them
// to vectors 0x20-0x2F and mask every line (ICW1-ICW4, then OCW1).
void quiet_legacy_pic() {
    constexpr uint16_t kMaster = 0x20, kSlave = 0xA0;
    outb(kMaster, 0x11);
    outb(kSlave, 0x11);
    outb(kMaster + 1, kLegacyPicBase);
    outb(kSlave + 1, kLegacyPicBase + 8);
    outb(kMaster + 1, 4);
    outb(kSlave + 1, 2);
    outb(kMaster + 1, 1);
    outb(kSlave + 1, 1);
    outb(kMaster + 1, 0xFF);
    outb(kSlave + 1, 0xFF);
}

// A masked 8259 can still raise its spurious IRQ 7 (and 15).
bool legacy_pic_spurious(uint64_t vector) {
    return vector == kLegacyPicBase + 7 || vector == kLegacyPicBase + 15;
}

}  // namespace

void traps_init() {
    load_tss();
    load_idt();
    quiet_legacy_pic();
}

void set_trap_handler(uint8_t vector, TrapHandler handler) { handlers[vector] = handler; }

const FaultInfo& last_fault() { return fault; }

void enable_rdpmc_emulation(bool on) {
    rdpmc_emulation = on;
    uint64_t cr4 = read_cr4();
    write_cr4(on ? cr4 | CR4_PCE : cr4 & ~uint64_t(CR4_PCE));
}

uint64_t rdpmc_emulations() { return rdpmc_count; }

const char* exception_name(uint64_t vector) {
    static const char* const names[32] = {
        "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
        "#BR bound range", "#UD invalid opcode", "#NM device not available", "#DF double fault",
        "coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
        "#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
        "#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD exception",
        "#VE virtualization exception", "#CP control protection"};
    if (vector < 32) return names[vector] ? names[vector] : "reserved exception";
    return "interrupt";
}

}  // namespace rt

// Every vector lands here (isr.S). Registered handlers first: that is the
// path PMIs take, so it stays short.
extern "C" void rt_trap_dispatch(rt::Frame* frame) {
    using namespace rt;
    Frame& f = *frame;
    if (TrapHandler h = handlers[f.vector]) {
        h(f);
        if (f.vector >= 32 && f.vector != SYSCALL_VECTOR && f.vector != SPURIOUS_VECTOR) apic_eoi();
        return;
    }
    if (f.vector == SPURIOUS_VECTOR || legacy_pic_spurious(f.vector)) return;  // no EOI
    if (f.vector == kInvalidOpcode && user_int80_as_ud(f)) return;
    if (f.vector < 32 && apply_fixup(f)) return;
    if ((f.vector == kGeneralProtection || f.vector == kInvalidOpcode) && emulate_rdpmc(f)) return;
    fatal(f);
}
