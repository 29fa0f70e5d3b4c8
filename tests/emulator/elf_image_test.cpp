// The PVH loader on crafted images: every rejection is an error value with
// a message naming the problem, never a crash.
#include "boot/elf_image.h"

#include <gtest/gtest.h>

#include "boot/pvh.h"
#include "elf_builder.h"

namespace vpmu::vmm {
namespace {

using test::build_elf;
using test::ElfSpec;
using test::TestSegment;

constexpr std::uint64_t kMiB = 1 << 20;

ImageLimits limits(std::uint64_t ram = 64 * kMiB) { return {ram, kBootGdt, kBootDataEnd}; }

// The error message of a rejected image; fails the test if it was accepted.
std::string rejection(const std::vector<std::uint8_t>& bytes, const ImageLimits& l = limits()) {
    auto image = parse_guest_image(bytes, l);
    EXPECT_FALSE(image.ok()) << "image was accepted";
    return image.ok() ? std::string() : image.error().message;
}

TEST(ElfImage, AcceptsElf64WithPvhNote) {
    auto image = parse_guest_image(build_elf({}), limits());
    ASSERT_TRUE(image.ok()) << image.error().message;
    EXPECT_EQ(image->elf_class, 64u);
    EXPECT_EQ(image->pvh_entry, 0x100000u);
    ASSERT_EQ(image->segments.size(), 1u);
    EXPECT_EQ(image->segments[0].gpa, Gpa{0x100000});
}

TEST(ElfImage, AcceptsElf32) {
    ElfSpec spec;
    spec.elf_class = 32;
    auto image = parse_guest_image(build_elf(spec), limits());
    ASSERT_TRUE(image.ok()) << image.error().message;
    EXPECT_EQ(image->elf_class, 32u);
}

TEST(ElfImage, AcceptsEightByteEntryDescriptor) {
    ElfSpec spec;
    spec.pvh_desc_size = 8;
    spec.pvh_entry = 0x100001;
    auto image = parse_guest_image(build_elf(spec), limits());
    ASSERT_TRUE(image.ok()) << image.error().message;
    EXPECT_EQ(image->pvh_entry, 0x100001u);
}

TEST(ElfImage, RejectsEmptyAndGarbage) {
    EXPECT_NE(rejection({}).find("not an ELF"), std::string::npos);
    EXPECT_NE(rejection({'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '!', 0, 0, 0, 0})
                  .find("not an ELF"),
              std::string::npos);
}

TEST(ElfImage, RejectsBadClassEndianVersionMachineType) {
    auto bytes = build_elf({});
    auto bad_class = bytes;
    bad_class[4] = 3;
    EXPECT_NE(rejection(bad_class).find("class"), std::string::npos);
    auto big_endian = bytes;
    big_endian[5] = 2;
    EXPECT_NE(rejection(big_endian).find("little-endian"), std::string::npos);
    auto bad_version = bytes;
    bad_version[6] = 0;
    EXPECT_NE(rejection(bad_version).find("version"), std::string::npos);

    ElfSpec arm;
    arm.machine = 183;  // EM_AARCH64
    EXPECT_NE(rejection(build_elf(arm)).find("machine 183"), std::string::npos);
    ElfSpec dyn;
    dyn.type = 3;  // ET_DYN
    EXPECT_NE(rejection(build_elf(dyn)).find("ET_EXEC"), std::string::npos);
}

TEST(ElfImage, RejectsEveryTruncation) {
    // Cut the image at every length: each prefix is rejected, none crashes.
    const auto bytes = build_elf({});
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        std::vector<std::uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<long>(n));
        auto image = parse_guest_image(prefix, limits());
        EXPECT_FALSE(image.ok()) << "a " << n << "-byte prefix was accepted";
    }
}

TEST(ElfImage, TruncatedSegmentNamesTruncation) {
    ElfSpec spec;
    spec.pvh_entry.reset();
    spec.segments[0].bytes.assign(256, 0x90);
    auto bytes = build_elf(spec);
    bytes.resize(bytes.size() - 100);
    EXPECT_NE(rejection(bytes).find("truncated"), std::string::npos);
}

TEST(ElfImage, RejectsMissingPvhNote) {
    ElfSpec spec;
    spec.pvh_entry.reset();
    EXPECT_NE(rejection(build_elf(spec)).find("no PVH entry note"), std::string::npos);
    ElfSpec other_name;
    other_name.note_name = "GNU";
    EXPECT_NE(rejection(build_elf(other_name)).find("no PVH entry note"), std::string::npos);
    ElfSpec other_type;
    other_type.note_type = 17;
    EXPECT_NE(rejection(build_elf(other_type)).find("no PVH entry note"), std::string::npos);
}

TEST(ElfImage, RejectsEntryOutsideSegments) {
    ElfSpec spec;
    spec.pvh_entry = 0x200000;
    EXPECT_NE(rejection(build_elf(spec)).find("not inside any loaded segment"), std::string::npos);
}

TEST(ElfImage, RejectsOddEntryDescriptor) {
    ElfSpec spec;
    spec.pvh_desc_size = 2;
    EXPECT_NE(rejection(build_elf(spec)).find("descriptor"), std::string::npos);
}

TEST(ElfImage, RejectsSegmentOutsideRam) {
    ElfSpec spec;
    spec.segments[0].paddr = 70 * kMiB;
    spec.pvh_entry = 70 * kMiB;
    EXPECT_NE(rejection(build_elf(spec)).find("outside guest RAM"), std::string::npos);
}

TEST(ElfImage, RejectsMemoryTooSmallForBss) {
    ElfSpec spec;
    spec.segments[0].mem_size = 2 * kMiB;  // a large bss past the end of 2 MiB of RAM
    EXPECT_NE(rejection(build_elf(spec), limits(2 * kMiB)).find("--mem"), std::string::npos);
    EXPECT_TRUE(parse_guest_image(build_elf(spec), limits(4 * kMiB)).ok());
}

TEST(ElfImage, RejectsAddressWraparound) {
    ElfSpec spec;
    spec.segments[0].paddr = ~0ull - 1;
    spec.pvh_entry.reset();
    EXPECT_NE(rejection(build_elf(spec)).find("outside guest RAM"), std::string::npos);
}

TEST(ElfImage, RejectsFileSizeAboveMemSize) {
    ElfSpec spec;
    spec.segments[0].bytes.assign(64, 0x90);
    spec.segments[0].mem_size = 16;
    EXPECT_NE(rejection(build_elf(spec)).find("exceeds p_memsz"), std::string::npos);
}

TEST(ElfImage, RejectsOverlappingSegments) {
    ElfSpec spec;
    spec.segments = {TestSegment{0x100000, std::vector<std::uint8_t>(0x100, 0x90), 0},
                     TestSegment{0x1000ff, std::vector<std::uint8_t>(0x10, 0x90), 0}};
    EXPECT_NE(rejection(build_elf(spec)).find("overlap"), std::string::npos);
}

TEST(ElfImage, RejectsSegmentOverBootData) {
    ElfSpec spec;
    spec.segments[0].paddr = kStartInfo.value;
    spec.pvh_entry = kStartInfo.value;
    EXPECT_NE(rejection(build_elf(spec)).find("boot data"), std::string::npos);
}

TEST(ElfImage, LoadCopiesBytesAndZeroesBss) {
    ElfSpec spec;
    spec.segments[0].bytes = {1, 2, 3, 4};
    spec.segments[0].mem_size = 8;
    auto image = parse_guest_image(build_elf(spec), limits(2 * kMiB));
    ASSERT_TRUE(image.ok()) << image.error().message;
    auto memory = GuestMemory::allocate(2 * kMiB);
    ASSERT_TRUE(memory.ok());
    ASSERT_TRUE(memory->fill(Gpa{0x100000}, 16, 0xee).ok());
    ASSERT_TRUE(load_guest_image(*image, *memory).ok());
    auto bytes = memory->slice(Gpa{0x100000}, 9);
    ASSERT_TRUE(bytes.ok());
    EXPECT_EQ(std::vector<std::uint8_t>(bytes->begin(), bytes->end()),
              (std::vector<std::uint8_t>{1, 2, 3, 4, 0, 0, 0, 0, 0xee}));
}

TEST(ElfImage, ReadNamesMissingFileAndDirectory) {
    auto missing = read_guest_image("/nonexistent/guest.elf", limits());
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("/nonexistent/guest.elf"), std::string::npos);
    EXPECT_NE(missing.error().message.find("No such file"), std::string::npos);
    auto directory = read_guest_image("/", limits());
    ASSERT_FALSE(directory.ok());
    EXPECT_NE(directory.error().message.find("not a regular file"), std::string::npos);
}

}  // namespace
}  // namespace vpmu::vmm
