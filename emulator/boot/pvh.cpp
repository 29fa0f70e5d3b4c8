#include "boot/pvh.h"

#include <algorithm>
#include <array>

namespace vpmu::vmm {

namespace {

constexpr std::uint64_t kConventionalEnd = 0xA0000;  // 640 KiB
constexpr std::uint64_t kHighMemoryStart = 0x100000;  // 1 MiB

// Flat descriptors (SDM Vol. 3A 3.4.5): base 0, limit 0xfffff with G=1.
constexpr std::uint64_t kGdtCode32 = 0x00cf9b000000ffffull;  // exec/read, accessed, D=1
constexpr std::uint64_t kGdtData32 = 0x00cf93000000ffffull;  // read/write, accessed, B=1
constexpr std::uint64_t kGdtTss32 = 0x00008b0000000067ull;   // busy 32-bit TSS, limit 0x67
constexpr std::array<std::uint64_t, 4> kBootGdtEntries{0, kGdtCode32, kGdtData32, kGdtTss32};

constexpr std::uint64_t kCr0ProtectionEnable = 1u << 0;
constexpr std::uint64_t kCr0ExtensionType = 1u << 4;
constexpr std::uint64_t kEflagsReserved1 = 1u << 1;

kvm_segment flat_segment(std::uint16_t selector, std::uint8_t type) {
    kvm_segment s{};
    s.base = 0;
    s.limit = 0xffffffff;
    s.selector = selector;
    s.type = type;
    s.present = 1;
    s.dpl = 0;
    s.db = 1;
    s.s = 1;
    s.l = 0;
    s.g = 1;
    return s;
}

}  // namespace

std::vector<HvmMemmapEntry> pvh_memory_map(std::uint64_t ram_size) {
    std::vector<HvmMemmapEntry> map;
    map.push_back({0, std::min(ram_size, kConventionalEnd), kHvmMemmapTypeRam, 0});
    if (ram_size > kHighMemoryStart) {
        map.push_back({kHighMemoryStart, ram_size - kHighMemoryStart, kHvmMemmapTypeRam, 0});
    }
    return map;
}

Result<Gpa> write_pvh_boot_data(GuestMemory& memory, std::string_view cmdline) {
    if (cmdline.size() + 1 > kMaxCmdline) {
        return make_error("guest command line is " + std::to_string(cmdline.size()) +
                          " bytes; at most " + std::to_string(kMaxCmdline - 1) + " fit");
    }
    if (!memory.contains(kBootGdt, kBootDataEnd.value - kBootGdt.value)) {
        return make_error("guest RAM is too small for the PVH boot data");
    }
    if (auto ok = memory.write_object(kBootGdt, kBootGdtEntries); !ok) return ok.error();

    const auto map = pvh_memory_map(memory.size());
    for (std::size_t i = 0; i < map.size(); ++i) {
        if (auto ok = memory.write_object(kMemmap + i * sizeof(HvmMemmapEntry), map[i]); !ok) {
            return ok.error();
        }
    }
    const std::span<const std::uint8_t> text(reinterpret_cast<const std::uint8_t*>(cmdline.data()),
                                             cmdline.size());
    if (auto ok = memory.write(kCmdline, text); !ok) return ok.error();
    if (auto ok = memory.fill(kCmdline + cmdline.size(), 1, 0); !ok) return ok.error();

    HvmStartInfo info{};
    info.magic = kHvmStartMagic;
    info.version = 1;
    info.cmdline_paddr = kCmdline.value;
    info.memmap_paddr = kMemmap.value;
    info.memmap_entries = static_cast<std::uint32_t>(map.size());
    if (auto ok = memory.write_object(kStartInfo, info); !ok) return ok.error();
    return kStartInfo;
}

void set_pvh_entry_state(kvm_regs& regs, kvm_sregs& sregs, std::uint32_t entry, Gpa start_info) {
    sregs.cs = flat_segment(kBootCodeSelector, 0xb);
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = flat_segment(kBootDataSelector, 0x3);

    kvm_segment tr{};
    tr.limit = 0x67;
    tr.selector = kBootTssSelector;
    tr.type = 0xb;  // busy 32-bit TSS, as VM-entry requires of TR
    tr.present = 1;
    sregs.tr = tr;

    sregs.gdt.base = kBootGdt.value;
    sregs.gdt.limit = static_cast<std::uint16_t>(kBootGdtEntries.size() * 8 - 1);
    sregs.cr0 = kCr0ProtectionEnable | kCr0ExtensionType;  // paging off
    sregs.cr4 = 0;
    sregs.efer = 0;

    regs = kvm_regs{};
    regs.rflags = kEflagsReserved1;
    regs.rip = entry;
    regs.rbx = start_info.value;
}

}  // namespace vpmu::vmm
