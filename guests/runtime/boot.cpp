// From the 64-bit entry to guest_main: install traps, read the PVH
// hvm_start_info, run the guest, exit with its status.
#include "internal.h"
#include "rt/rt.h"

namespace rt {
namespace {

// Xen's public/arch-x86/hvm/start_info.h; the memmap fields exist from
// version 1.
struct HvmStartInfo {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};
static_assert(sizeof(HvmStartInfo) == 56);
constexpr uint32_t kHvmStartMagic = 0x336ec578;

constexpr uint64_t kMappedCacheableEnd = 3ull << 30;  // entry.S page tables
constexpr uint16_t kDebugExitPort = 0xf4;

BootInfo info;
char cmdline_copy[1024];
uint64_t alloc_next;

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

}  // namespace

void boot_info_init(uint32_t start_info_pa) {
    info.cmdline = cmdline_copy;
    const auto* si = reinterpret_cast<const HvmStartInfo*>(uintptr_t(start_info_pa));
    if (si == nullptr || si->magic != kHvmStartMagic) {
        panic("not booted through PVH: hvm_start_info at 0x%x has magic 0x%x, want 0x%x",
              start_info_pa, si ? si->magic : 0, kHvmStartMagic);
    }
    if (si->cmdline_paddr != 0) {
        const char* src = reinterpret_cast<const char*>(uintptr_t(si->cmdline_paddr));
        size_t n = 0;
        while (src[n] != 0 && n + 1 < sizeof cmdline_copy) {
            cmdline_copy[n] = src[n];
            ++n;
        }
        cmdline_copy[n] = 0;
    }
    const auto image = uint64_t(uintptr_t(__image_start));
    info.ram_end = uint64_t(uintptr_t(__image_end));
    if (si->version >= 1 && si->memmap_paddr != 0) {
        const auto* map = reinterpret_cast<const MemmapEntry*>(uintptr_t(si->memmap_paddr));
        uint32_t n = si->memmap_entries < kMaxMemmapEntries ? si->memmap_entries : kMaxMemmapEntries;
        for (uint32_t i = 0; i < n; ++i) {
            info.memmap[i] = map[i];
            const MemmapEntry& e = map[i];
            if (e.type == kMemmapRam && e.addr <= image && image < e.addr + e.size) {
                uint64_t end = e.addr + e.size;
                info.ram_end = end < kMappedCacheableEnd ? end : kMappedCacheableEnd;
            }
        }
        info.memmap_entries = n;
    }
    alloc_next = align_up(uint64_t(uintptr_t(__image_end)), 4096);
}

const BootInfo& boot_info() { return info; }

uint64_t boot_tsc_value;  // the guest clock's zero (rt/clock.h)
uint64_t boot_tsc() { return boot_tsc_value; }

void* alloc(size_t bytes, size_t align) {
    uint64_t at = align_up(alloc_next, align);
    if (at + bytes > info.ram_end || at + bytes < at) {
        panic("out of memory: %zu bytes wanted, 0x%lx..0x%lx left", bytes, alloc_next, info.ram_end);
    }
    alloc_next = at + bytes;
    return reinterpret_cast<void*>(uintptr_t(at));
}

void exit(int status) {
    if (status < 0 || status > kExitFatal) {
        printf("exit status %d out of range 0..%d\n", status, kExitFatal);
        status = kExitFatal;
    }
    trace_at_exit();  // hands the guest trace's last events to the VMM
    outb(kDebugExitPort, uint8_t(status));
    // Nothing listens on the port: stop here (HLT does not reach the host).
    for (;;) __asm__ volatile("cli; hlt");
}

void panic(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    puts("PANIC: ");
    vprintf(fmt, ap);
    va_end(ap);
    putc('\n');
    exit(kExitFatal);
}

namespace {

struct HypercallRequest {
    uint32_t command;
    uint32_t arg[3];
};

uint64_t hypercall_ports(uint64_t request) {
    const auto& r = *reinterpret_cast<const HypercallRequest*>(uintptr_t(request));
    // Arguments that are 0 are written too: the registers persist per vCPU.
    for (unsigned i = 0; i < 3; ++i) outl(uint16_t(kHypercallPort + 4 + 4 * i), r.arg[i]);
    outl(kHypercallPort, r.command);
    return inl(kHypercallPort);
}

}  // namespace

uint32_t hypercall(uint32_t command, uint32_t arg0, uint32_t arg1, uint32_t arg2) {
    HypercallRequest r{command, {arg0, arg1, arg2}};
    return uint32_t(kcall(hypercall_ports, uint64_t(uintptr_t(&r))));
}

bool under_vpmu() { return hypercall(kHypercallPing) == kHypercallPingReply; }

}  // namespace rt

extern "C" [[noreturn]] void rt_boot(uint32_t start_info_pa) {
    rt::boot_tsc_value = rt::rdtsc();
    for (auto* ctor = __init_array_start; ctor != __init_array_end; ++ctor) (*ctor)();
    rt::traps_init();
    rt::user_init();
    rt::boot_info_init(start_info_pa);
    rt::exit(guest_main());
}
