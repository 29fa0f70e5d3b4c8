// PVH direct boot (xen/include/public/arch-x86/hvm/start_info.h and
// docs/misc/pvh.pandoc): the boot data the VMM writes into guest RAM and the
// vCPU state at the PVH entry point.
//
// Guest-physical layout of the boot data (the image may not load over it):
//   0x1000  GDT: null, flat 32-bit code (0x08), flat data (0x10), TSS (0x18)
//   0x2000  hvm_start_info (version 1)
//   0x2040  memory map (hvm_memmap_table_entry[])
//   0x3000  command line, NUL-terminated, at most kMaxCmdline bytes with the NUL
//   0x4000  end
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "boot/guest_memory.h"
#include "vpmu/result.h"

namespace vpmu::vmm {

inline constexpr std::uint32_t kHvmStartMagic = 0x336ec578;
inline constexpr std::uint32_t kHvmMemmapTypeRam = 1;
inline constexpr std::uint32_t kHvmMemmapTypeReserved = 2;

inline constexpr Gpa kBootGdt{0x1000};
inline constexpr Gpa kStartInfo{0x2000};
inline constexpr Gpa kMemmap{0x2040};
inline constexpr Gpa kCmdline{0x3000};
inline constexpr Gpa kBootDataEnd{0x4000};
inline constexpr std::uint64_t kMaxCmdline = kBootDataEnd.value - kCmdline.value;
inline constexpr unsigned kMaxMemmapEntries = (kCmdline.value - kMemmap.value) / 24;

inline constexpr std::uint16_t kBootCodeSelector = 0x08;
inline constexpr std::uint16_t kBootDataSelector = 0x10;
inline constexpr std::uint16_t kBootTssSelector = 0x18;

// struct hvm_start_info, version 1 (with the memory map fields).
struct HvmStartInfo {
    std::uint32_t magic;
    std::uint32_t version;
    std::uint32_t flags;
    std::uint32_t nr_modules;
    std::uint64_t modlist_paddr;
    std::uint64_t cmdline_paddr;
    std::uint64_t rsdp_paddr;
    std::uint64_t memmap_paddr;
    std::uint32_t memmap_entries;
    std::uint32_t reserved;
};
static_assert(sizeof(HvmStartInfo) == 56);

struct HvmMemmapEntry {
    std::uint64_t addr;
    std::uint64_t size;
    std::uint32_t type;
    std::uint32_t reserved;
};
static_assert(sizeof(HvmMemmapEntry) == 24);

// The E820-style map of RAM of `ram_size` bytes: conventional memory below
// 640 KiB, and everything from 1 MiB (the PC's legacy hole stays out of the
// map, so guests written for PCs find nothing surprising).
std::vector<HvmMemmapEntry> pvh_memory_map(std::uint64_t ram_size);

// Writes GDT, memory map, command line and start_info; returns the
// start_info address the guest receives in EBX.
Result<Gpa> write_pvh_boot_data(GuestMemory& memory, std::string_view cmdline);

// Sets the PVH entry state: 32-bit protected mode, paging off, flat 4 GiB
// segments from the boot GDT, EFLAGS = 2, EIP = entry, EBX = start_info.
// Only the fields PVH defines are touched; the rest keeps KVM's reset state.
void set_pvh_entry_state(kvm_regs& regs, kvm_sregs& sregs, std::uint32_t entry, Gpa start_info);

}  // namespace vpmu::vmm
