#include "vpmu/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace vpmu {
namespace {

using ::testing::HasSubstr;

TEST(PmuConfigTest, ContractSpecParses) {
    auto c = parse_pmu_spec("version=2,gp=4,gp-width=48,fixed=3,fixed-width=48");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_TRUE(c->enabled);
    EXPECT_EQ(c->version, 2u);
    EXPECT_EQ(c->gp_counters, 4u);
    EXPECT_EQ(c->gp_width, 48u);
    EXPECT_EQ(c->fixed_counters, 3u);
    EXPECT_EQ(c->fixed_width, 48u);
    EXPECT_EQ(c->unavailable_events, 0u);
    EXPECT_TRUE(c->full_width_writes);
}

TEST(PmuConfigTest, OffDisablesEverything) {
    auto c = parse_pmu_spec("off");
    ASSERT_TRUE(c.ok());
    EXPECT_FALSE(c->enabled);
    EXPECT_EQ(*c, PmuConfig::off());
    EXPECT_TRUE(c->validate().ok());
}

TEST(PmuConfigTest, VersionOneDefaultsHaveNoFixedCountersOrCapabilities) {
    auto c = parse_pmu_spec("version=1");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->fixed_counters, 0u);
    EXPECT_EQ(c->fixed_width, 0u);
    EXPECT_FALSE(c->full_width_writes);
}

TEST(PmuConfigTest, HexNumbersAndSpacesAccepted) {
    auto c = parse_pmu_spec(" version=0x4 , gp = 8, events=0x41 ");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->version, 4u);
    EXPECT_EQ(c->gp_counters, 8u);
    EXPECT_EQ(c->unavailable_events, 0x41u);
}

TEST(PmuConfigTest, VersionFiveAllowsFourFixedCountersAndEightEvents) {
    auto c = parse_pmu_spec("version=5,fixed=4,events=0x80");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->fixed_counters, 4u);
    EXPECT_EQ(c->event_vector_length(), 8u);
}

struct BadSpec {
    const char* spec;
    const char* message_part;
};

void PrintTo(const BadSpec& bad, std::ostream* os) { *os << '"' << bad.spec << '"'; }

class PmuConfigRejectTest : public ::testing::TestWithParam<BadSpec> {};

// Each message names the field, the value and the legal range.
TEST_P(PmuConfigRejectTest, RejectedWithClearMessage) {
    auto c = parse_pmu_spec(GetParam().spec);
    ASSERT_FALSE(c.ok()) << GetParam().spec << " was accepted";
    EXPECT_THAT(c.error().message, HasSubstr(GetParam().message_part));
}

INSTANTIATE_TEST_SUITE_P(
    Fields, PmuConfigRejectTest,
    ::testing::Values(BadSpec{"version=0", "version=0 (legal: 1..5)"},
                      BadSpec{"version=6", "version=6 (legal: 1..5)"},
                      BadSpec{"gp=9", "gp=9 (legal: 0..8)"},
                      BadSpec{"gp-width=15", "gp-width=15 (legal: 16..48)"},
                      BadSpec{"gp-width=49", "gp-width=49 (legal: 16..48)"},
                      BadSpec{"fixed=4", "fixed=4 (legal: 0..3)"},
                      BadSpec{"version=5,fixed=5", "fixed=5 (legal: 0..4)"},
                      BadSpec{"version=1,fixed=1", "fixed=1 (legal: 0: version 1 has no fixed counters)"},
                      BadSpec{"version=1,fixed-width=48", "fixed-width=48 (legal: 0: version 1"},
                      BadSpec{"fixed-width=8", "fixed-width=8 (legal: 16..48)"},
                      BadSpec{"full-width=2", "full-width=2 (legal: 0..1)"},
                      BadSpec{"version=1,full-width=1", "full-width=1 (legal: 0: version 1"},
                      BadSpec{"events=0x80", "events=0x80 (legal: a mask within 0x7f for version 2)"},
                      BadSpec{"version=5,events=0x100", "events=0x100 (legal: a mask within 0xff"},
                      BadSpec{"gp=four", "gp=four (legal: a decimal or 0x-prefixed number)"},
                      BadSpec{"gp=-1", "gp=-1"},
                      BadSpec{"gp=99999999999999999999999", "gp=99999999999999999999999"},
                      BadSpec{"colour=red", "unknown key 'colour'"},
                      BadSpec{"gp=2,gp=3", "gp given twice"},
                      BadSpec{"version", "'version' is not key=value"},
                      BadSpec{"off,gp=2", "'off' cannot be combined"},
                      BadSpec{"", "empty spec"}));

TEST(PmuConfigTest, ValidateRejectsWhatTheParserWould) {
    PmuConfig c;
    c.gp_width = 64;
    EXPECT_FALSE(c.validate().ok());
    c = PmuConfig{};
    c.version = 1;  // keeps the v2 defaults of fixed counters: invalid
    EXPECT_THAT(c.validate().error().message, HasSubstr("fixed=3"));
    PmuConfig off = PmuConfig::off();
    off.gp_counters = 2;
    EXPECT_FALSE(off.validate().ok());
}

TEST(PmuConfigTest, SpecRoundTripsForEveryVersionAndEdgeWidth) {
    for (unsigned version = 1; version <= 5; ++version) {
        for (unsigned width : {16u, 48u}) {
            PmuConfig c;
            c.version = version;
            c.gp_counters = version;
            c.gp_width = width;
            c.fixed_counters = version == 1 ? 0 : (version == 5 ? 4 : 2);
            c.fixed_width = version == 1 ? 0 : width;
            c.full_width_writes = version >= 3;
            c.unavailable_events = 0x5;
            ASSERT_TRUE(c.validate().ok()) << c.to_spec();
            auto parsed = parse_pmu_spec(c.to_spec());
            ASSERT_TRUE(parsed.ok()) << c.to_spec() << ": " << parsed.error().message;
            EXPECT_EQ(*parsed, c) << c.to_spec();
        }
    }
    EXPECT_EQ(parse_pmu_spec(PmuConfig::off().to_spec()).value(), PmuConfig::off());
}

TEST(PmuConfigTest, FileTextTakesLinesCommentsAndCommas) {
    auto c = parse_pmu_file_text(
        "# a v4 PMU\n"
        "version=4\n"
        "\n"
        "gp=2, gp-width=32   # narrow counters overflow often\n"
        "fixed=1,fixed-width=40\r\n");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->version, 4u);
    EXPECT_EQ(c->gp_counters, 2u);
    EXPECT_EQ(c->gp_width, 32u);
    EXPECT_EQ(c->fixed_counters, 1u);
    EXPECT_EQ(c->fixed_width, 40u);
}

TEST(PmuConfigTest, FileErrorsNameThePath) {
    std::string path = ::testing::TempDir() + "/bad.pmu";
    std::ofstream(path) << "version=2\ngp=12\n";
    auto c = load_pmu_file(path);
    ASSERT_FALSE(c.ok());
    EXPECT_THAT(c.error().message, HasSubstr(path));
    EXPECT_THAT(c.error().message, HasSubstr("gp=12 (legal: 0..8)"));
    std::remove(path.c_str());

    auto missing = load_pmu_file(::testing::TempDir() + "/does-not-exist.pmu");
    ASSERT_FALSE(missing.ok());
    EXPECT_THAT(missing.error().message, HasSubstr("cannot read PMU config file"));
}

}  // namespace
}  // namespace vpmu
