#include "boot/guest_memory.h"

#include <gtest/gtest.h>

namespace vpmu::vmm {
namespace {

TEST(GuestMemory, RejectsOddSizes) {
    EXPECT_FALSE(GuestMemory::allocate(0).ok());
    EXPECT_FALSE(GuestMemory::allocate(4097).ok());
}

TEST(GuestMemory, StartsZeroed) {
    auto memory = GuestMemory::allocate(1 << 20);
    ASSERT_TRUE(memory.ok());
    auto word = memory->read_object<std::uint64_t>(Gpa{0x1234});
    ASSERT_TRUE(word.ok());
    EXPECT_EQ(*word, 0u);
}

TEST(GuestMemory, BoundsAreChecked) {
    auto memory = GuestMemory::allocate(8192);
    ASSERT_TRUE(memory.ok());
    EXPECT_TRUE(memory->contains(Gpa{0}, 8192));
    EXPECT_TRUE(memory->contains(Gpa{8192}, 0));
    EXPECT_FALSE(memory->contains(Gpa{8192}, 1));
    EXPECT_FALSE(memory->contains(Gpa{8191}, 2));
    EXPECT_FALSE(memory->contains(Gpa{~0ull}, 2));  // no wraparound
    EXPECT_FALSE(memory->contains(Gpa{1}, ~0ull));

    auto outside = memory->slice(Gpa{8190}, 4);
    ASSERT_FALSE(outside.ok());
    EXPECT_NE(outside.error().message.find("0x1ffe"), std::string::npos);
    EXPECT_FALSE(memory->write_object(Gpa{8190}, std::uint32_t{1}).ok());
    EXPECT_FALSE(memory->fill(Gpa{8000}, 200, 0).ok());
    EXPECT_FALSE(memory->read_object<std::uint32_t>(Gpa{8190}).ok());
}

TEST(GuestMemory, ObjectsRoundTrip) {
    auto memory = GuestMemory::allocate(8192);
    ASSERT_TRUE(memory.ok());
    ASSERT_TRUE(memory->write_object(Gpa{100}, std::uint64_t{0x1122334455667788}).ok());
    auto byte = memory->read_object<std::uint8_t>(Gpa{100});
    ASSERT_TRUE(byte.ok());
    EXPECT_EQ(*byte, 0x88);  // little-endian, like the guest
    auto word = memory->read_object<std::uint64_t>(Gpa{100});
    EXPECT_EQ(*word, 0x1122334455667788u);
}

}  // namespace
}  // namespace vpmu::vmm
