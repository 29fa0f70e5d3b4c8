#include "boot/pvh.h"

#include <gtest/gtest.h>

#include <cstring>

namespace vpmu::vmm {
namespace {

constexpr std::uint64_t kMiB = 1 << 20;

TEST(Pvh, MemoryMapCoversRamAroundTheLegacyHole) {
    const auto map = pvh_memory_map(64 * kMiB);
    ASSERT_EQ(map.size(), 2u);
    EXPECT_EQ(map[0].addr, 0u);
    EXPECT_EQ(map[0].size, 0xA0000u);
    EXPECT_EQ(map[0].type, kHvmMemmapTypeRam);
    EXPECT_EQ(map[1].addr, kMiB);
    EXPECT_EQ(map[1].size, 63 * kMiB);
    EXPECT_EQ(map[1].type, kHvmMemmapTypeRam);
    EXPECT_EQ(pvh_memory_map(kMiB).size(), 1u);  // nothing above 1 MiB
}

TEST(Pvh, BootDataInGuestMemory) {
    auto memory = GuestMemory::allocate(16 * kMiB);
    ASSERT_TRUE(memory.ok());
    auto start_info = write_pvh_boot_data(*memory, "console=ttyS0 quiet");
    ASSERT_TRUE(start_info.ok()) << start_info.error().message;
    auto info = memory->read_object<HvmStartInfo>(*start_info);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->magic, kHvmStartMagic);
    EXPECT_EQ(info->version, 1u);
    EXPECT_EQ(info->nr_modules, 0u);
    EXPECT_EQ(info->memmap_entries, 2u);

    auto cmdline = memory->slice(Gpa{info->cmdline_paddr}, 20);
    ASSERT_TRUE(cmdline.ok());
    EXPECT_STREQ(reinterpret_cast<const char*>(cmdline->data()), "console=ttyS0 quiet");

    auto second = memory->read_object<HvmMemmapEntry>(Gpa{info->memmap_paddr + sizeof(HvmMemmapEntry)});
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second->addr + second->size, 16 * kMiB);

    // The boot GDT's code descriptor is the flat 32-bit one the entry state uses.
    auto code = memory->read_object<std::uint64_t>(kBootGdt + kBootCodeSelector);
    ASSERT_TRUE(code.ok());
    EXPECT_EQ(*code, 0x00cf9b000000ffffu);
}

TEST(Pvh, RejectsOverlongCommandLine) {
    auto memory = GuestMemory::allocate(2 * kMiB);
    ASSERT_TRUE(memory.ok());
    EXPECT_TRUE(write_pvh_boot_data(*memory, std::string(kMaxCmdline - 1, 'x')).ok());
    auto too_long = write_pvh_boot_data(*memory, std::string(kMaxCmdline, 'x'));
    ASSERT_FALSE(too_long.ok());
    EXPECT_NE(too_long.error().message.find("command line"), std::string::npos);
}

TEST(Pvh, EntryStateIsFlatProtectedModeWithoutPaging) {
    kvm_regs regs{};
    regs.rax = 0x1234;  // whatever was there must go
    kvm_sregs sregs{};
    sregs.cr0 = 0x60000010;  // KVM's reset value: CD, NW, ET
    sregs.cr4 = 0x20;
    set_pvh_entry_state(regs, sregs, 0x100040, Gpa{0x2000});

    EXPECT_EQ(regs.rip, 0x100040u);
    EXPECT_EQ(regs.rbx, 0x2000u);
    EXPECT_EQ(regs.rax, 0u);
    EXPECT_EQ(regs.rflags, 0x2u);
    EXPECT_EQ(sregs.cr0 & 0x1, 0x1u);         // PE
    EXPECT_EQ(sregs.cr0 & 0x80000000, 0u);    // PG off
    EXPECT_EQ(sregs.cr4, 0u);
    EXPECT_EQ(sregs.efer, 0u);
    for (const kvm_segment* s : {&sregs.cs, &sregs.ds, &sregs.es, &sregs.ss, &sregs.fs, &sregs.gs}) {
        EXPECT_EQ(s->base, 0u);
        EXPECT_EQ(s->limit, 0xffffffffu);
        EXPECT_EQ(s->present, 1);
        EXPECT_EQ(s->db, 1);
        EXPECT_EQ(s->g, 1);
        EXPECT_EQ(s->l, 0);
    }
    EXPECT_EQ(sregs.cs.type, 0xb);  // execute/read, accessed
    EXPECT_EQ(sregs.ds.type, 0x3);  // read/write, accessed
    EXPECT_EQ(sregs.cs.selector, kBootCodeSelector);
    EXPECT_EQ(sregs.tr.type, 0xb);  // busy TSS, as VM-entry demands
    EXPECT_EQ(sregs.gdt.base, kBootGdt.value);
}

}  // namespace
}  // namespace vpmu::vmm
