#include "vpmu/cpuid.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace vpmu {
namespace {

using ::testing::HasSubstr;

TEST(CpuidTest, EncodesTheContractExample) {
    auto c = parse_pmu_spec("version=2,gp=4,gp-width=48,fixed=3,fixed-width=48").value();
    CpuidLeaf leaf = encode_cpuid_0a(c);
    // EAX: version 2 | 4 counters << 8 | 48 bits << 16 | 7 events << 24.
    EXPECT_EQ(leaf.eax, 0x07300402u);
    EXPECT_EQ(leaf.ebx, 0u);
    EXPECT_EQ(leaf.ecx, 0u);
    // EDX: 3 fixed counters | 48 bits << 5.
    EXPECT_EQ(leaf.edx, 3u | 48u << 5);
}

TEST(CpuidTest, VersionOneLeavesEdxZero) {
    CpuidLeaf leaf = encode_cpuid_0a(parse_pmu_spec("version=1,gp=2,gp-width=40").value());
    EXPECT_EQ(leaf.eax, 0x07280201u);
    EXPECT_EQ(leaf.edx, 0u);
}

TEST(CpuidTest, VersionFiveEnumeratesFixedBitmapAndAnyThreadDeprecation) {
    CpuidLeaf leaf = encode_cpuid_0a(parse_pmu_spec("version=5,fixed=4,events=0x80").value());
    EXPECT_EQ(leaf.eax >> 24, 8u);
    EXPECT_EQ(leaf.ebx, 0x80u);
    EXPECT_EQ(leaf.ecx, 0xFu);
    EXPECT_EQ(leaf.edx & 0x1F, 4u);
    EXPECT_EQ(leaf.edx & (1u << 15), 1u << 15);
}

TEST(CpuidTest, OffIsAllZero) {
    EXPECT_EQ(encode_cpuid_0a(PmuConfig::off()), CpuidLeaf{});
    auto decoded = decode_cpuid_0a(CpuidLeaf{}, false);
    ASSERT_TRUE(decoded.ok());
    EXPECT_FALSE(decoded->enabled);
}

std::vector<PmuConfig> config_matrix() {
    std::vector<PmuConfig> configs;
    for (unsigned version = 1; version <= 5; ++version) {
        unsigned max_fixed = version == 1 ? 0 : (version == 5 ? 4 : 3);
        for (unsigned gp = 0; gp <= 8; ++gp) {
            for (unsigned width : {16u, 17u, 31u, 32u, 47u, 48u}) {
                for (unsigned fixed = 0; fixed <= max_fixed; ++fixed) {
                    for (bool fw : {false, true}) {
                        if (fw && version < 2) continue;
                        PmuConfig c;
                        c.version = version;
                        c.gp_counters = gp;
                        c.gp_width = width;
                        c.fixed_counters = fixed;
                        c.fixed_width = version == 1 ? 0 : 64 - width;
                        c.unavailable_events = (gp * 37u + width) & ((1u << c.event_vector_length()) - 1);
                        c.full_width_writes = fw;
                        configs.push_back(c);
                    }
                }
            }
        }
    }
    return configs;
}

TEST(CpuidTest, RoundTripIsExactForEveryValidConfig) {
    auto configs = config_matrix();
    ASSERT_GT(configs.size(), 1000u);
    for (const PmuConfig& c : configs) {
        ASSERT_TRUE(c.validate().ok()) << c.to_spec() << ": " << c.validate().error().message;
        auto decoded = decode_cpuid_0a(encode_cpuid_0a(c), c.full_width_writes);
        ASSERT_TRUE(decoded.ok()) << c.to_spec() << ": " << decoded.error().message;
        EXPECT_EQ(*decoded, c) << c.to_spec() << " came back as " << decoded->to_spec();
    }
}

TEST(CpuidTest, EventsBeyondTheVectorLengthAreUnavailable) {
    // A leaf enumerating only 5 events: events 5 and 6 do not exist.
    CpuidLeaf leaf{0x05300402u, 0x1u, 0, 3u | 48u << 5};
    auto c = decode_cpuid_0a(leaf, false);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->unavailable_events, 0x61u);
}

TEST(CpuidTest, DecodeRejectsWhatTheModelCannotRepresent) {
    auto v6 = decode_cpuid_0a({0x07300406u, 0, 0, 0}, false);
    ASSERT_FALSE(v6.ok());
    EXPECT_THAT(v6.error().message, HasSubstr("version 6"));

    auto many = decode_cpuid_0a({0x07301002u, 0, 0, 3u | 48u << 5}, false);
    ASSERT_FALSE(many.ok());
    EXPECT_THAT(many.error().message, HasSubstr("gp=16"));

    auto gap = decode_cpuid_0a({0x08300405u, 0, 0x5u, 48u << 5}, false);
    ASSERT_FALSE(gap.ok());
    EXPECT_THAT(gap.error().message, HasSubstr("not contiguous"));

    auto wide = decode_cpuid_0a({0x07400402u, 0, 0, 3u | 48u << 5}, false);
    ASSERT_FALSE(wide.ok());
    EXPECT_THAT(wide.error().message, HasSubstr("gp-width=64"));
}

}  // namespace
}  // namespace vpmu
