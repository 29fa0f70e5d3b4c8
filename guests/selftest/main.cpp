// Runtime self-test: boots, then checks what the runtime offers (console
// formatting, command line, exception fixups, user tasks, system calls,
// local APIC interrupts and NMIs, RDPMC emulation) and exits with the number
// of failures.
//
// Command line words for VMM tests:
//   exit=N        exit at once with status N (after printing "exit N")
//   fault=KIND    die of an unhandled exception: ud, gp, pf, de, user-pf
//   xapic         use xAPIC MMIO even when x2APIC is available
#include "rt/rt.h"

uint64_t user_sse_sum(uint64_t n);  // user_sse.cpp

namespace {

using rt::tap::eq;
using rt::tap::ok;

// --- faults on purpose -----------------------------------------------------

[[noreturn]] void die_of(const char* kind) {
    rt::printf("dying of %s\n", kind);
    if (!strcmp(kind, "ud")) __asm__ volatile("ud2");
    if (!strcmp(kind, "gp")) (void)*reinterpret_cast<volatile uint64_t*>(0x8000000000000000ull);
    if (!strcmp(kind, "pf")) (void)*reinterpret_cast<volatile uint64_t*>(0x100000000000ull);
    if (!strcmp(kind, "de")) __asm__ volatile("xorl %%ecx, %%ecx; divl %%ecx" : : : "eax", "ecx", "edx");
    if (!strcmp(kind, "user-pf")) {
        rt::user_run([](uint64_t) -> uint64_t {
            return *reinterpret_cast<volatile uint64_t*>(0x100000000000ull);
        }, 0);
    }
    rt::panic("fault=%s: unknown kind or it did not fault", kind);
}

// --- console and command line ----------------------------------------------

void check_format() {
    char buf[64];
    rt::snprintf(buf, sizeof buf, "%d|%5u|%-4x|%08lx|%s|%c|%%", -42, 7u, 0xabu, 0x1234ul, "hi", 'z');
    ok(!strcmp(buf, "-42|    7|ab  |00001234|hi|z|%"), "snprintf formats: '%s'", buf);
    rt::snprintf(buf, sizeof buf, "%lx %lu %X", ~0ul, 18446744073709551615ul, 0xbeefu);
    ok(!strcmp(buf, "ffffffffffffffff 18446744073709551615 BEEF"), "snprintf 64-bit: '%s'", buf);
    size_t n = rt::snprintf(buf, 4, "%s", "truncated");
    ok(n == 9 && !strcmp(buf, "tru"), "snprintf truncates and reports the full length");
}

void check_boot_info() {
    const rt::BootInfo& b = rt::boot_info();
    rt::tap::diag("cmdline '%s', %u memory map entries, RAM up to 0x%lx", b.cmdline, b.memmap_entries,
                  b.ram_end);
    ok(b.memmap_entries > 0, "hvm_start_info carries a memory map");
    ok(b.ram_end > uint64_t(uintptr_t(&check_boot_info)), "RAM range holds the image");
    void* p = rt::alloc(4096, 4096);
    ok((uintptr_t(p) & 4095) == 0, "alloc honours alignment");
    memset(p, 0x5a, 4096);
}

// --- exception fixups --------------------------------------------------------

bool probe_read(uint64_t addr, uint64_t* value) {
    int faulted = 0;
    uint64_t v = 0;
    __asm__ volatile(
        "1: movq (%[a]), %[v]\n2:\n"
        ".pushsection .fixup, \"ax\"\n3: movl $1, %[f]\n jmp 2b\n.popsection\n" RT_EXTABLE(1b, 3b)
        : [v] "+r"(v), [f] "+r"(faulted)
        : [a] "r"(addr)
        : "memory");
    *value = v;
    return !faulted;
}

bool probe_ud2() {
    int faulted = 0;
    __asm__ volatile("1: ud2\n2:\n"
                     ".pushsection .fixup, \"ax\"\n3: movl $1, %[f]\n jmp 2b\n.popsection\n" RT_EXTABLE(1b, 3b)
                     : [f] "+r"(faulted));
    return !faulted;
}

void check_fixups() {
    ok(!probe_ud2() && rt::last_fault().vector == rt::kInvalidOpcode, "ud2 under a fixup reports #UD");
    uint64_t v;
    ok(!probe_read(0x8000000000000000ull, &v) && rt::last_fault().vector == rt::kGeneralProtection,
       "non-canonical read under a fixup reports #GP");
    ok(!probe_read(0x100000000000ull, &v) && rt::last_fault().vector == rt::kPageFault &&
           rt::last_fault().cr2 == 0x100000000000ull,
       "unmapped read under a fixup reports #PF with CR2");
    ok(probe_read(uint64_t(uintptr_t(&v)), &v), "mapped read under a fixup does not fault");
    uint64_t efer;
    ok(rt::rdmsr_safe(0xC0000080, &efer) && (efer & (1u << 10)), "rdmsr_safe(EFER) reads LMA set");
}

// --- user mode ---------------------------------------------------------------

uint64_t user_cpl(uint64_t) { return rt::cpl(); }
uint64_t kernel_cpl(uint64_t) { return rt::cpl(); }
uint64_t user_kcall(uint64_t) { return rt::kcall(kernel_cpl, 0) + 10 * rt::cpl(); }
uint64_t user_sum(uint64_t n) {
    uint64_t s = 0;
    for (uint64_t i = 0; i < n; ++i) s += i ^ (s >> 3);
    return s;
}
uint64_t user_exits_early(uint64_t v) {
    rt::user_exit(v + 1);
}
uint64_t user_prints(uint64_t) {
    rt::printf("# hello from CPL%u\n", rt::cpl());
    return 0;
}
uint64_t user_rdmsr_faults(uint64_t) {
    uint64_t v;
    return !rt::rdmsr_safe(0x10, &v) && rt::last_fault().vector == rt::kGeneralProtection;
}

void check_user() {
    eq(rt::user_run(user_cpl, 0), 3, "user task runs at CPL3");
    eq(rt::cpl(), 0, "back at CPL0 after the task");
    eq(rt::user_run(user_kcall, 0), 30, "kcall from a task runs at CPL0 and returns");
    uint64_t native = user_sum(1000);
    eq(rt::user_run(user_sum, 1000), native, "user task returns its result");
    eq(rt::user_run(user_exits_early, 41), 42, "user_exit ends the task with a value");
    rt::user_run(user_prints, 0);
    ok(rt::user_run(user_rdmsr_faults, 0) == 1, "rdmsr at CPL3 #GPs into a fixup");
    alignas(16) static char stack[8192];
    eq(rt::user_run(user_cpl, 0, stack, sizeof stack), 3, "user task on a caller's stack");
}

// --- interrupts --------------------------------------------------------------

constexpr uint8_t kTestVector = 0x40;
volatile unsigned irq_count, nmi_count;
volatile uint64_t irq_cs;

void on_irq(rt::Frame& f) {
    irq_count = irq_count + 1;
    irq_cs = f.cs;
}
void on_nmi(rt::Frame& f) {
    nmi_count = nmi_count + 1;
    irq_cs = f.cs;
}

uint64_t send_ipi(uint64_t vector) {
    rt::apic_self_ipi(uint8_t(vector));
    return 0;
}
// Asks the kernel for an interrupt, then waits for it at CPL3.
uint64_t user_wait_irq(uint64_t vector) {
    unsigned before = vector ? irq_count : nmi_count;
    rt::kcall(send_ipi, vector);
    for (unsigned i = 0; i < 100000000; ++i) {
        if ((vector ? irq_count : nmi_count) != before) return 1;
        rt::pause();
    }
    return 0;
}

void check_apic() {
    rt::apic_init();
    rt::tap::diag("local APIC in %s mode, id %u, version 0x%x", rt::apic_is_x2apic() ? "x2APIC" : "xAPIC",
                  rt::apic_read(rt::kApicId), rt::apic_read(rt::kApicVersion) & 0xFF);
    rt::lvtpc_write(rt::kLvtMasked | 0x41);
    eq(rt::lvtpc_read(), rt::kLvtMasked | 0x41, "LVTPC holds a masked fixed vector");
    rt::lvtpc_write(rt::kLvtMasked | rt::kLvtDeliveryNmi);
    eq(rt::lvtpc_read(), rt::kLvtMasked | rt::kLvtDeliveryNmi, "LVTPC holds masked NMI delivery");
    rt::lvtpc_unmask();
    eq(rt::lvtpc_read(), rt::kLvtDeliveryNmi, "lvtpc_unmask clears the mask bit");
    rt::lvtpc_write(rt::kLvtMasked);

    rt::set_trap_handler(kTestVector, on_irq);
    rt::apic_self_ipi(kTestVector);
    eq(irq_count, 0, "no interrupt while IF=0");
    rt::irq_enable();
    for (unsigned i = 0; i < 1000 && irq_count == 0; ++i) rt::pause();
    rt::irq_disable();
    eq(irq_count, 1, "self-IPI delivered once IF=1, handler called");
    ok(rt::user_run(user_wait_irq, kTestVector) == 1 && (irq_cs & 3) == 3,
       "interrupt taken in a user task, frame shows CPL3");

    rt::set_trap_handler(rt::kNmi, on_nmi);
    rt::apic_self_ipi(0);
    for (unsigned i = 0; i < 1000 && nmi_count == 0; ++i) rt::pause();
    eq(nmi_count, 1, "self NMI reaches the NMI handler");
    // An NMI is not held off by IF: it arrives inside the kcall, at CPL0.
    ok(rt::user_run(user_wait_irq, 0) == 1, "NMI sent from a user task's kcall is handled, task resumes");
    rt::set_trap_handler(rt::kNmi, nullptr);
}

// --- RDPMC emulation ---------------------------------------------------------

uint64_t user_rdpmc(uint64_t ecx) { return rt::rdpmc(uint32_t(ecx)); }

void check_rdpmc() {
    rt::CpuidRegs leaf = rt::cpuid(0).eax >= 0xA ? rt::cpuid(0xA) : rt::CpuidRegs{};
    if ((leaf.eax & 0xFF) == 0 || ((leaf.eax >> 8) & 0xFF) == 0) {
        rt::tap::skip("no PMU (CPUID.0AH)", "RDPMC emulated through RDMSR");
        return;
    }
    rt::enable_rdpmc_emulation(true);
    rt::wrmsr(0xC1, 0x1234);  // IA32_PMC0, not counting
    eq(rt::rdpmc(0), 0x1234, "RDPMC(0) at CPL0 reads IA32_PMC0");
    eq(rt::user_run(user_rdpmc, 0), 0x1234, "RDPMC(0) at CPL3 with CR4.PCE reads IA32_PMC0");
    rt::tap::diag("%lu RDPMC emulated", rt::rdpmc_emulations());
    rt::wrmsr(0xC1, 0);
    rt::enable_rdpmc_emulation(false);
}

// --- SSE in user tasks (user_sse.cpp is built without -mgeneral-regs-only) --

void check_user_sse() {
    eq(rt::user_run(user_sse_sum, 1000), 500500, "user task computes with SSE (double) and returns");
}

// --- hypercall port ----------------------------------------------------------

uint64_t user_ping(uint64_t) { return rt::hypercall(rt::kHypercallPing); }

void check_hypercall() {
    uint32_t reply = rt::hypercall(rt::kHypercallPing);
    if (reply != rt::kHypercallPingReply) {
        rt::tap::skip("not under vpmu run", "hypercall ping answered 0x%x", reply);
        return;
    }
    eq(reply, rt::kHypercallPingReply, "hypercall ping answers \"VPMU\"");
    eq(rt::user_run(user_ping, 0), rt::kHypercallPingReply, "hypercall ping from a user task");
    rt::tap::diag("guest TSC %u kHz", rt::hypercall(rt::kHypercallTscKhz));
}

}  // namespace

int guest_main() {
    char kind[16];
    if (rt::cmdline_value("exit", kind, sizeof kind)) {
        int status = int(rt::cmdline_u64("exit", 0));
        rt::printf("exit %d\n", status);
        return status;
    }
    if (rt::cmdline_value("fault", kind, sizeof kind)) die_of(kind);

    rt::printf("# vpmu guest runtime self-test\n");
    check_format();
    check_boot_info();
    check_fixups();
    check_user();
    check_apic();
    check_rdpmc();
    check_user_sse();
    check_hypercall();
    return rt::tap::finish();
}
