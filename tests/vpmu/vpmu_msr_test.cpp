// The PMU MSRs' register semantics (Intel SDM Vol. 3B ch. 21, Vol. 4), for
// every architectural perfmon version and for counter widths at both ends
// of the legal range.
#include <gtest/gtest.h>

#include <vector>

#include "vpmu_test_support.h"

namespace vpmu {
namespace {

using testing::mask_of;

constexpr std::uint64_t kBit63 = std::uint64_t{1} << 63;

std::vector<PmuConfig> shapes() {
    std::vector<PmuConfig> out;
    for (unsigned version = 1; version <= 5; ++version) {
        unsigned max_fixed = version == 1 ? 0 : (version == 5 ? 4 : 3);
        for (unsigned width : {16u, 48u}) {
            for (bool wide : {true, false}) {
                PmuConfig c;
                c.version = version;
                c.gp_counters = wide ? 8 : 1;
                c.gp_width = width;
                c.fixed_counters = wide ? max_fixed : (max_fixed ? 1 : 0);
                c.fixed_width = version == 1 ? 0 : (width == 16 ? 48 : 16);
                c.full_width_writes = version >= 2 && wide;
                out.push_back(c);
            }
        }
    }
    return out;
}

template <class Keep>
std::vector<PmuConfig> shapes_where(Keep keep) {
    std::vector<PmuConfig> out;
    for (const PmuConfig& c : shapes()) {
        if (keep(c)) out.push_back(c);
    }
    return out;
}

class VpmuMsrTest : public ::testing::TestWithParam<PmuConfig>, protected testing::ModelHarness {
protected:
    void SetUp() override {
        ASSERT_TRUE(c().validate().ok());
        pmu.configure(c());
    }
    const PmuConfig& c() const { return GetParam(); }
    std::uint64_t gp_mask() const { return mask_of(c().gp_width); }
    std::uint64_t fixed_mask() const { return mask_of(c().fixed_width); }
    std::uint64_t counter_bits() const {
        return mask_of(c().gp_counters) | mask_of(c().fixed_counters) << 32;
    }
    bool v2() const { return c().version >= 2; }
    bool v4() const { return c().version >= 4; }
};

TEST_P(VpmuMsrTest, ResetValues) {
    for (unsigned i = 0; i < c().gp_counters; ++i) {
        EXPECT_EQ(rd(msr::kPmc0 + i), 0u) << "PMC" << i;
        EXPECT_EQ(rd(msr::kPerfEvtSel0 + i), 0u) << "PERFEVTSEL" << i;
    }
    if (!v2()) {
        // Version 1 has no fixed counters and no global controls.
        for (std::uint32_t m : {msr::kFixedCtr0, msr::kFixedCtrCtrl, msr::kGlobalStatus,
                                msr::kGlobalCtrl, msr::kGlobalOvfCtrl, msr::kPerfCapabilities}) {
            EXPECT_TRUE(rd_faults(m)) << std::hex << m;
            EXPECT_TRUE(wr_faults(m, 0)) << std::hex << m;
        }
        return;
    }
    for (unsigned i = 0; i < c().fixed_counters; ++i) EXPECT_EQ(rd(msr::kFixedCtr0 + i), 0u);
    EXPECT_EQ(rd(msr::kFixedCtrCtrl), 0u);
    // SDM: GLOBAL_CTRL powers up with every GP enable set, fixed enables clear.
    EXPECT_EQ(rd(msr::kGlobalCtrl), mask_of(c().gp_counters));
    EXPECT_EQ(rd(msr::kGlobalStatus), 0u);
    EXPECT_EQ(rd(msr::kGlobalOvfCtrl), 0u);
    EXPECT_EQ(rd(msr::kPerfCapabilities), c().full_width_writes ? kPerfCapFullWidthWrite : 0u);
    if (v4()) {
        EXPECT_EQ(rd(msr::kGlobalStatusSet), 0u);
        EXPECT_EQ(rd(msr::kGlobalInUse), 0u);
    } else {
        EXPECT_TRUE(rd_faults(msr::kGlobalStatusSet));
        EXPECT_TRUE(rd_faults(msr::kGlobalInUse));
        EXPECT_TRUE(wr_faults(msr::kGlobalStatusSet, 0));
    }
}

TEST_P(VpmuMsrTest, AbsentCountersFault) {
    for (unsigned i = c().gp_counters; i < msr::kMaxGpCounters; ++i) {
        for (std::uint32_t m : {msr::kPmc0 + i, msr::kPerfEvtSel0 + i, msr::kAPmc0 + i}) {
            EXPECT_TRUE(rd_faults(m)) << std::hex << m;
            EXPECT_TRUE(wr_faults(m, 0)) << std::hex << m;
        }
    }
    for (unsigned i = c().fixed_counters; i < msr::kMaxFixedCounters; ++i) {
        EXPECT_TRUE(rd_faults(msr::kFixedCtr0 + i)) << i;
        EXPECT_TRUE(wr_faults(msr::kFixedCtr0 + i, 0)) << i;
    }
    if (!c().full_width_writes) {
        for (unsigned i = 0; i < msr::kMaxGpCounters; ++i) {
            EXPECT_TRUE(rd_faults(msr::kAPmc0 + i)) << "A_PMC" << i << " without FW_WRITE";
            EXPECT_TRUE(wr_faults(msr::kAPmc0 + i, 1)) << "A_PMC" << i << " without FW_WRITE";
        }
    }
}

TEST_P(VpmuMsrTest, LegacyCounterWritesSignExtendBit31ThenTruncate) {
    for (unsigned i = 0; i < c().gp_counters; ++i) {
        const std::uint32_t pmc = msr::kPmc0 + i;
        ASSERT_EQ(wr(pmc, 0x1234), Access::ok);
        EXPECT_EQ(rd(pmc), 0x1234u & gp_mask());
        ASSERT_EQ(wr(pmc, 0x80000000u), Access::ok);
        EXPECT_EQ(rd(pmc), 0xFFFFFFFF80000000u & gp_mask());
        ASSERT_EQ(wr(pmc, 0xFFFFFFFFu), Access::ok);
        EXPECT_EQ(rd(pmc), gp_mask());
        // Bits 63:32 of the written value are ignored.
        ASSERT_EQ(wr(pmc, 0xABCD00007FFF0001u), Access::ok);
        EXPECT_EQ(rd(pmc), 0x7FFF0001u & gp_mask());
    }
}

// Shapes with IA32_PERF_CAPABILITIES.FW_WRITE, with version 2+, with version 4+.
class VpmuFullWidthTest : public VpmuMsrTest {};
class VpmuV2MsrTest : public VpmuMsrTest {};
class VpmuV4MsrTest : public VpmuMsrTest {};

TEST_P(VpmuFullWidthTest, FullWidthWritesTakeTheWholeWidth) {
    for (unsigned i = 0; i < c().gp_counters; ++i) {
        const std::uint32_t apmc = msr::kAPmc0 + i;
        ASSERT_EQ(wr(apmc, gp_mask()), Access::ok);
        EXPECT_EQ(rd(apmc), gp_mask());
        EXPECT_EQ(rd(msr::kPmc0 + i), gp_mask()) << "A_PMC and PMC alias one counter";
        ASSERT_EQ(wr(apmc, 0x5A5A & gp_mask()), Access::ok);
        // A bit beyond the width is reserved: #GP and the counter unchanged.
        EXPECT_TRUE(wr_faults(apmc, gp_mask() + 1));
        EXPECT_TRUE(wr_faults(apmc, kBit63));
        EXPECT_EQ(rd(apmc), 0x5A5Au & gp_mask());
    }
}

TEST_P(VpmuMsrTest, FixedCountersTruncateToTheirWidth) {
    for (unsigned i = 0; i < c().fixed_counters; ++i) {
        const std::uint32_t ctr = msr::kFixedCtr0 + i;
        ASSERT_EQ(wr(ctr, ~std::uint64_t{0}), Access::ok);
        EXPECT_EQ(rd(ctr), fixed_mask());
        ASSERT_EQ(wr(ctr, 0x123456789ABCu), Access::ok);
        EXPECT_EQ(rd(ctr), 0x123456789ABCu & fixed_mask());
    }
}

TEST_P(VpmuMsrTest, EventSelectReservedBitsFault) {
    std::uint64_t defined = 0xFFFFFFFFu & ~evtsel::kAnyThread;
    if (c().any_thread_supported()) defined |= evtsel::kAnyThread;
    for (unsigned i = 0; i < c().gp_counters; ++i) {
        const std::uint32_t sel = msr::kPerfEvtSel0 + i;
        ASSERT_EQ(wr(sel, 0x3C | evtsel::kUsr), Access::ok);
        for (unsigned bit = 0; bit < 64; ++bit) {
            std::uint64_t value = std::uint64_t{1} << bit;
            bool legal = defined & value;
            if (legal) {
                EXPECT_EQ(wr(sel, value), Access::ok) << "PERFEVTSEL" << i << " bit " << bit;
                EXPECT_EQ(rd(sel), value);
            } else {
                ASSERT_EQ(wr(sel, 0x3C | evtsel::kUsr), Access::ok);
                EXPECT_TRUE(wr_faults(sel, value)) << "PERFEVTSEL" << i << " bit " << bit;
                EXPECT_EQ(rd(sel), 0x3C | evtsel::kUsr) << "a faulting write changed the register";
            }
        }
    }
}

TEST_P(VpmuV2MsrTest, FixedCtrCtrlReservedBitsFault) {
    std::uint64_t field = 0xB | (c().any_thread_supported() ? 0x4 : 0);
    std::uint64_t defined = 0;
    for (unsigned i = 0; i < c().fixed_counters; ++i) defined |= field << (4 * i);
    for (unsigned bit = 0; bit < 64; ++bit) {
        std::uint64_t value = std::uint64_t{1} << bit;
        if (defined & value) {
            EXPECT_EQ(wr(msr::kFixedCtrCtrl, value), Access::ok) << "bit " << bit;
            EXPECT_EQ(rd(msr::kFixedCtrCtrl), value);
        } else {
            EXPECT_TRUE(wr_faults(msr::kFixedCtrCtrl, value)) << "bit " << bit;
        }
    }
}

TEST_P(VpmuV2MsrTest, GlobalCtrlAcceptsOnlyExistingCounters) {
    ASSERT_EQ(wr(msr::kGlobalCtrl, counter_bits()), Access::ok);
    EXPECT_EQ(rd(msr::kGlobalCtrl), counter_bits());
    for (unsigned bit = 0; bit < 64; ++bit) {
        std::uint64_t value = std::uint64_t{1} << bit;
        if (!(counter_bits() & value)) {
            EXPECT_TRUE(wr_faults(msr::kGlobalCtrl, value)) << "bit " << bit;
        }
    }
    EXPECT_EQ(rd(msr::kGlobalCtrl), counter_bits());
}

TEST_P(VpmuV2MsrTest, ReadOnlyRegistersFaultOnWrite) {
    EXPECT_TRUE(wr_faults(msr::kGlobalStatus, 0));
    EXPECT_TRUE(wr_faults(msr::kGlobalStatus, 1));
    EXPECT_TRUE(wr_faults(msr::kPerfCapabilities, rd(msr::kPerfCapabilities).value()));
    if (v4()) {
        EXPECT_TRUE(wr_faults(msr::kGlobalInUse, 0));
    }
}

TEST_P(VpmuV2MsrTest, OverflowControlClearsOnlyDefinedBits) {
    std::uint64_t writable = counter_bits() | global_status::kOvfBuf | global_status::kCondChgd;
    if (v4()) writable |= global_status::kCtrFrz;
    for (unsigned bit = 0; bit < 64; ++bit) {
        std::uint64_t value = std::uint64_t{1} << bit;
        EXPECT_EQ(wr(msr::kGlobalOvfCtrl, value) == Access::ok, (writable & value) != 0) << "bit " << bit;
    }
    EXPECT_EQ(rd(msr::kGlobalOvfCtrl), 0u) << "OVF_CTRL/STATUS_RESET reads as 0";
}

TEST_P(VpmuMsrTest, StatusSetAndResetOnVersionFour) {
    if (!v4()) {
        EXPECT_TRUE(wr_faults(msr::kGlobalStatusSet, 1));
        return;
    }
    ASSERT_EQ(wr(msr::kGlobalStatusSet, counter_bits() | global_status::kOvfBuf), Access::ok);
    EXPECT_EQ(rd(msr::kGlobalStatus), counter_bits() | global_status::kOvfBuf);
    EXPECT_FALSE(pmu.pmi_pending()) << "setting a status bit raises no PMI";
    EXPECT_TRUE(wr_faults(msr::kGlobalStatusSet, global_status::kCondChgd));
    EXPECT_TRUE(wr_faults(msr::kGlobalStatusSet, std::uint64_t{1} << 31));
    ASSERT_EQ(wr(msr::kGlobalStatusReset, counter_bits()), Access::ok);
    EXPECT_EQ(rd(msr::kGlobalStatus), global_status::kOvfBuf);
    ASSERT_EQ(wr(msr::kGlobalStatusReset, global_status::kOvfBuf), Access::ok);
    EXPECT_EQ(rd(msr::kGlobalStatus), 0u);
}

TEST_P(VpmuV4MsrTest, InUseReflectsProgrammedCounters) {
    std::uint64_t expect = 0;
    if (c().gp_counters > 0) {
        ASSERT_EQ(wr(msr::kPerfEvtSel0, 0xC0), Access::ok);  // event select only, not enabled
        expect |= 1;
        EXPECT_EQ(rd(msr::kGlobalInUse), expect);
        ASSERT_EQ(wr(msr::kPerfEvtSel0, 0xC0 | evtsel::kInt), Access::ok);
        expect |= kBit63;
        EXPECT_EQ(rd(msr::kGlobalInUse), expect);
    }
    if (c().fixed_counters > 0) {
        unsigned last = c().fixed_counters - 1;
        ASSERT_EQ(wr(msr::kFixedCtrCtrl, std::uint64_t{0x2} << (4 * last)), Access::ok);
        expect |= std::uint64_t{1} << (32 + last);
        EXPECT_EQ(rd(msr::kGlobalInUse), expect);
    }
}

std::string shape_name(const ::testing::TestParamInfo<PmuConfig>& param_info) {
    return testing::spec_name(param_info.param);
}

INSTANTIATE_TEST_SUITE_P(Shapes, VpmuMsrTest, ::testing::ValuesIn(shapes()), shape_name);
INSTANTIATE_TEST_SUITE_P(Shapes, VpmuFullWidthTest,
                         ::testing::ValuesIn(shapes_where([](const PmuConfig& c) { return c.full_width_writes; })),
                         shape_name);
INSTANTIATE_TEST_SUITE_P(Shapes, VpmuV2MsrTest,
                         ::testing::ValuesIn(shapes_where([](const PmuConfig& c) { return c.version >= 2; })),
                         shape_name);
INSTANTIATE_TEST_SUITE_P(Shapes, VpmuV4MsrTest,
                         ::testing::ValuesIn(shapes_where([](const PmuConfig& c) { return c.version >= 4; })),
                         shape_name);

TEST(VpmuOffTest, EveryPmuMsrFaults) {
    FakeBackend backend;
    Vpmu pmu(backend);  // created, not yet configured: off
    for (int pass = 0; pass < 2; ++pass) {
        for (const msr::Range& range : msr::kPmuMsrRanges) {
            for (std::uint32_t m = range.first; m < range.first + range.count; ++m) {
                EXPECT_FALSE(pmu.rdmsr(MsrIndex{m}).has_value()) << std::hex << m;
                EXPECT_EQ(pmu.wrmsr(MsrIndex{m}, 0), Access::fault) << std::hex << m;
            }
        }
        pmu.configure(PmuConfig::off());
    }
}

TEST(VpmuMsrMapTest, PmuMsrRangesCoverTheArchitecturalBlocks) {
    for (std::uint32_t m : {0xC1u, 0xC8u, 0x186u, 0x18Du, 0x309u, 0x30Cu, 0x345u, 0x38Du, 0x392u,
                            0x4C1u, 0x4C8u}) {
        EXPECT_TRUE(msr::is_pmu_msr(MsrIndex{m})) << std::hex << m;
    }
    for (std::uint32_t m : {0xC0u, 0xC9u, 0x185u, 0x18Eu, 0x1A0u, 0x30Du, 0x38Cu, 0x393u, 0x4C9u}) {
        EXPECT_FALSE(msr::is_pmu_msr(MsrIndex{m})) << std::hex << m;
    }
}

}  // namespace
}  // namespace vpmu
