// How the model drives its backend: when counters start and stop, the
// periods it asks for, and overflow -> GLOBAL_STATUS -> PMI due.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "vpmu_test_support.h"

namespace vpmu {
namespace {

using testing::mask_of;

constexpr std::uint64_t kCycles = 0x3C;        // UnHalted Core Cycles
constexpr std::uint64_t kInstructions = 0xC0;  // Instructions Retired
constexpr std::uint64_t kEnUsrOs = evtsel::kEnable | evtsel::kUsr | evtsel::kOs;
constexpr CounterId kPmc0 = CounterId::gp(0);
constexpr CounterId kPmc1 = CounterId::gp(1);
constexpr CounterId kFixed0 = CounterId::fixed(0);

class VpmuCountingTest : public ::testing::Test, protected testing::ModelHarness {
protected:
    void use(const char* spec) { pmu.configure(parse_pmu_spec(spec).value()); }
    void SetUp() override { use("version=2,gp=4,gp-width=48,fixed=3,fixed-width=48"); }
};

TEST_F(VpmuCountingTest, GpCounterCountsOnlyWhenEnAndGlobalCtrlBothSay) {
    ASSERT_EQ(wr(msr::kGlobalCtrl, 0), Access::ok);
    ASSERT_EQ(wr(msr::kPerfEvtSel0, kCycles | kEnUsrOs), Access::ok);
    EXPECT_FALSE(backend.running(kPmc0)) << "GLOBAL_CTRL bit clear";
    ASSERT_EQ(wr(msr::kGlobalCtrl, 1), Access::ok);
    EXPECT_TRUE(backend.running(kPmc0));
    ASSERT_EQ(wr(msr::kPerfEvtSel0, kCycles | evtsel::kUsr), Access::ok);
    EXPECT_FALSE(backend.running(kPmc0)) << "EN clear";
    ASSERT_EQ(wr(msr::kPerfEvtSel0, kCycles | evtsel::kEnable), Access::ok);
    EXPECT_FALSE(backend.running(kPmc0)) << "neither USR nor OS: counts nothing";
}

TEST_F(VpmuCountingTest, VersionOneNeedsOnlyEn) {
    use("version=1,gp=2,gp-width=40");
    ASSERT_EQ(wr(msr::kPerfEvtSel0 + 1, kInstructions | kEnUsrOs), Access::ok);
    EXPECT_TRUE(backend.running(kPmc1));
}

TEST_F(VpmuCountingTest, FixedCounterCountsWhenCtrlFieldAndGlobalCtrlSay) {
    ASSERT_EQ(wr(msr::kFixedCtrCtrl, 0x2), Access::ok);  // counter 0, user mode
    EXPECT_FALSE(backend.running(kFixed0)) << "fixed enables are clear at reset";
    ASSERT_EQ(wr(msr::kGlobalCtrl, kFixed0.bit()), Access::ok);
    ASSERT_TRUE(backend.running(kFixed0));
    EXPECT_EQ(backend.event(kFixed0).arch, ArchEvent::instructions);
    EXPECT_TRUE(backend.event(kFixed0).count_user);
    EXPECT_FALSE(backend.event(kFixed0).count_kernel);
}

TEST_F(VpmuCountingTest, EventAndRingsReachTheBackend) {
    ASSERT_EQ(wr(msr::kPerfEvtSel0, kCycles | evtsel::kOs | evtsel::kEnable), Access::ok);
    EXPECT_EQ(backend.event(kPmc0).arch, ArchEvent::core_cycles);
    EXPECT_FALSE(backend.event(kPmc0).count_user);
    EXPECT_TRUE(backend.event(kPmc0).count_kernel);
    ASSERT_EQ(wr(msr::kPerfEvtSel0, 0x13C | kEnUsrOs), Access::ok);
    EXPECT_EQ(backend.event(kPmc0).arch, ArchEvent::ref_cycles);
    // A counter mask turns the event into a different one.
    ASSERT_EQ(wr(msr::kPerfEvtSel0, kCycles | 0x01000000 | kEnUsrOs), Access::ok);
    EXPECT_EQ(backend.event(kPmc0).arch, std::nullopt);
    EXPECT_EQ(backend.event(kPmc0).raw, kCycles | 0x01000000);
}

TEST_F(VpmuCountingTest, CountsAccumulateAndSurviveStopping) {
    ASSERT_EQ(wr(msr::kPmc0, 100), Access::ok);
    ASSERT_EQ(wr(msr::kPerfEvtSel0, kCycles | kEnUsrOs), Access::ok);
    backend.advance(kPmc0, 23);
    EXPECT_EQ(rd(msr::kPmc0), 123u);
    ASSERT_EQ(wr(msr::kPerfEvtSel0, kCycles | evtsel::kUsr | evtsel::kOs), Access::ok);  // disable
    backend.advance_all(1000);
    EXPECT_EQ(rd(msr::kPmc0), 123u) << "a disabled counter does not change";
    ASSERT_EQ(wr(msr::kPerfEvtSel0, kCycles | kEnUsrOs), Access::ok);
    backend.advance(kPmc0, 7);
    EXPECT_EQ(rd(msr::kPmc0), 130u);
}

TEST_F(VpmuCountingTest, PeriodIsTheDistanceToOverflowAtTheWidth) {
    ASSERT_EQ(wr(msr::kPmc0, static_cast<std::uint32_t>(-1000)), Access::ok);  // -1000, sign-extended
    ASSERT_EQ(wr(msr::kPerfEvtSel0, kCycles | kEnUsrOs), Access::ok);
    EXPECT_EQ(backend.period(kPmc0), 1000u);
    ASSERT_EQ(wr(msr::kPmc0, 0), Access::ok);
    EXPECT_EQ(backend.period(kPmc0), std::uint64_t{1} << 48) << "from 0, a full wrap";
    use("version=2,gp=4,gp-width=16");
    ASSERT_EQ(wr(msr::kPmc0, 0xFFF0), Access::ok);
    ASSERT_EQ(wr(msr::kPerfEvtSel0, kCycles | kEnUsrOs), Access::ok);
    EXPECT_EQ(backend.period(kPmc0), 0x10u);
}

TEST_F(VpmuCountingTest, WrapSetsStatusAndPmiDueWhenIntEnabled) {
    ASSERT_EQ(wr(msr::kPmc0, static_cast<std::uint32_t>(-10)), Access::ok);
    ASSERT_EQ(wr(msr::kPerfEvtSel0, kCycles | kEnUsrOs | evtsel::kInt), Access::ok);
    backend.advance(kPmc0, 9);
    EXPECT_FALSE(pmu.collect_overflows());
    EXPECT_EQ(rd(msr::kGlobalStatus), 0u);
    backend.advance(kPmc0, 3);
    EXPECT_TRUE(pmu.collect_overflows());
    EXPECT_EQ(rd(msr::kGlobalStatus), kPmc0.bit());
    EXPECT_EQ(rd(msr::kPmc0), 2u) << "the counter wrapped through zero and kept counting";
    EXPECT_TRUE(backend.running(kPmc0));
    EXPECT_EQ(backend.period(kPmc0), (std::uint64_t{1} << 48) - 2);
    EXPECT_TRUE(pmu.take_pmi());
    EXPECT_FALSE(pmu.take_pmi()) << "acknowledged once";
    ASSERT_EQ(wr(msr::kGlobalOvfCtrl, kPmc0.bit()), Access::ok);
    EXPECT_EQ(rd(msr::kGlobalStatus), 0u);
}

TEST_F(VpmuCountingTest, WrapWithoutIntSetsStatusButNoPmi) {
    ASSERT_EQ(wr(msr::kFixedCtr0 + 1, mask_of(48)), Access::ok);
    ASSERT_EQ(wr(msr::kFixedCtrCtrl, 0x3 << 4), Access::ok);
    ASSERT_EQ(wr(msr::kGlobalCtrl, CounterId::fixed(1).bit()), Access::ok);
    backend.advance(CounterId::fixed(1), 1);
    EXPECT_FALSE(pmu.collect_overflows());
    EXPECT_EQ(rd(msr::kGlobalStatus), CounterId::fixed(1).bit());
    ASSERT_EQ(wr(msr::kFixedCtrCtrl, 0xB << 4), Access::ok);  // now with PMI
    backend.advance(CounterId::fixed(1), mask_of(48) + 1);  // from 0: one full wrap
    EXPECT_TRUE(pmu.collect_overflows());
}

TEST_F(VpmuCountingTest, WrapSeenByReadBeforeTheBackendSignals) {
    ASSERT_EQ(wr(msr::kPmc0, static_cast<std::uint32_t>(-5)), Access::ok);
    ASSERT_EQ(wr(msr::kPerfEvtSel0, kCycles | kEnUsrOs | evtsel::kInt), Access::ok);
    backend.advance(kPmc0, 8);
    EXPECT_EQ(rd(msr::kPmc0), 3u);
    EXPECT_TRUE(pmu.pmi_pending());
    EXPECT_EQ(rd(msr::kGlobalStatus), kPmc0.bit());
}

TEST_F(VpmuCountingTest, WrapWhileStoppingIsNotLost) {
    ASSERT_EQ(wr(msr::kPmc0, static_cast<std::uint32_t>(-5)), Access::ok);
    ASSERT_EQ(wr(msr::kPerfEvtSel0, kCycles | kEnUsrOs | evtsel::kInt), Access::ok);
    backend.advance(kPmc0, 6);
    ASSERT_EQ(wr(msr::kGlobalCtrl, 0), Access::ok);  // stops: folds the wrap
    EXPECT_EQ(rd(msr::kGlobalStatus), kPmc0.bit());
    EXPECT_TRUE(pmu.pmi_pending());
    EXPECT_EQ(rd(msr::kPmc0), 1u);
}

TEST_F(VpmuCountingTest, VersionOneOverflowRaisesPmiWithoutStatusRegister) {
    use("version=1,gp=1,gp-width=32");
    ASSERT_EQ(wr(msr::kPmc0, 0xFFFFFFFF), Access::ok);
    ASSERT_EQ(wr(msr::kPerfEvtSel0, kCycles | kEnUsrOs | evtsel::kInt), Access::ok);
    backend.advance(kPmc0, 1);
    EXPECT_TRUE(pmu.collect_overflows());
    EXPECT_EQ(rd(msr::kPmc0), 0u);
}

TEST_F(VpmuCountingTest, GlobalCtrlRewriteLeavesUnchangedCountersRunning) {
    ASSERT_EQ(wr(msr::kPerfEvtSel0, kCycles | kEnUsrOs), Access::ok);
    ASSERT_EQ(wr(msr::kPerfEvtSel0 + 1, kCycles | kEnUsrOs), Access::ok);
    unsigned starts = backend.starts();
    ASSERT_EQ(wr(msr::kGlobalCtrl, 0xF & ~std::uint64_t{2}), Access::ok);
    EXPECT_TRUE(backend.running(kPmc0));
    EXPECT_FALSE(backend.running(kPmc1));
    EXPECT_EQ(backend.starts(), starts) << "PMC0's enable did not change: no rebind";
}

TEST_F(VpmuCountingTest, CtrFrzFreezesAndResumesOnVersionFour) {
    use("version=4,gp=2,gp-width=48,fixed=1,fixed-width=48");
    ASSERT_EQ(wr(msr::kPerfEvtSel0, kCycles | kEnUsrOs), Access::ok);
    backend.advance(kPmc0, 10);
    ASSERT_EQ(wr(msr::kGlobalStatusSet, global_status::kCtrFrz), Access::ok);
    EXPECT_FALSE(backend.running(kPmc0));
    backend.advance_all(99);
    EXPECT_EQ(rd(msr::kPmc0), 10u);
    ASSERT_EQ(wr(msr::kGlobalStatusReset, global_status::kCtrFrz), Access::ok);
    EXPECT_TRUE(backend.running(kPmc0));
    backend.advance(kPmc0, 5);
    EXPECT_EQ(rd(msr::kPmc0), 15u);
}

TEST_F(VpmuCountingTest, RefusedStartLeavesCounterStoppedAndSaysWhy) {
    backend.fail_next_start("perf_event_open: EMFILE");
    ASSERT_EQ(wr(msr::kPerfEvtSel0, kCycles | kEnUsrOs), Access::ok);
    EXPECT_FALSE(backend.running(kPmc0));
    EXPECT_EQ(pmu.counting_mask(), 0u);
    EXPECT_EQ(pmu.take_failed_counters(), kPmc0.bit());
    EXPECT_EQ(pmu.take_failed_counters(), 0u);
    EXPECT_EQ(pmu.last_backend_error().message, "perf_event_open: EMFILE");
    backend.advance_all(50);
    EXPECT_EQ(rd(msr::kPmc0), 0u) << "a counter that could not start counts nothing";
}

// A counter the backend drops later (a pool whose host refused a slot)
// keeps what it had counted, stops, and is reported like a refused start.
TEST_F(VpmuCountingTest, DroppedCounterStopsAndIsReportedAsRefused) {
    ASSERT_EQ(wr(msr::kPerfEvtSel0, kCycles | kEnUsrOs), Access::ok);
    ASSERT_EQ(wr(msr::kPerfEvtSel0 + 1, kCycles | kEnUsrOs), Access::ok);
    backend.advance_all(40);
    backend.drop(kPmc0, "perf_event_open: EMFILE");
    backend.advance_all(60);
    EXPECT_FALSE(pmu.collect_overflows());
    EXPECT_EQ(pmu.counting_mask(), kPmc1.bit());
    EXPECT_EQ(pmu.take_failed_counters(), kPmc0.bit());
    EXPECT_EQ(pmu.last_backend_error().message, "perf_event_open: EMFILE");
    EXPECT_EQ(rd(msr::kPmc0), 40u) << "what it counted before the drop, and no more";
    EXPECT_EQ(rd(msr::kPmc0 + 1), 100u);
    backend.advance_all(5);
    EXPECT_EQ(rd(msr::kPmc0), 40u);
}

TEST_F(VpmuCountingTest, UnavailableEventIsRefused) {
    FakeBackend limited(event_bit(ArchEvent::instructions));
    Vpmu model(limited);
    model.configure(parse_pmu_spec("version=2").value());
    ASSERT_EQ(model.wrmsr(MsrIndex{msr::kPerfEvtSel0}, kInstructions | kEnUsrOs), Access::ok);
    EXPECT_FALSE(limited.running(kPmc0));
    EXPECT_THAT(model.last_backend_error().message, ::testing::HasSubstr("Instructions Retired"));
}

TEST_F(VpmuCountingTest, ReconfigureAndDestroyStopEveryCounter) {
    ASSERT_EQ(wr(msr::kPerfEvtSel0, kCycles | kEnUsrOs), Access::ok);
    ASSERT_TRUE(backend.running(kPmc0));
    use("version=3,gp=8");  // the guest's CPUID changed
    EXPECT_FALSE(backend.running(kPmc0));
    EXPECT_EQ(rd(msr::kPerfEvtSel0), 0u);
    EXPECT_EQ(rd(msr::kGlobalCtrl), 0xFFu);

    FakeBackend other;
    {
        Vpmu model(other);
        model.configure(PmuConfig{});
        ASSERT_EQ(model.wrmsr(MsrIndex{msr::kPerfEvtSel0}, kCycles | kEnUsrOs), Access::ok);
        ASSERT_TRUE(other.running(kPmc0));
    }
    EXPECT_FALSE(other.running(kPmc0)) << "destroying the Vpmu releases its counters";
}

TEST_F(VpmuCountingTest, ConfigureFromCpuidTakesTheGuestLeaf) {
    PmuConfig v3 = parse_pmu_spec("version=3,gp=2,gp-width=40,fixed=2,fixed-width=44").value();
    ASSERT_TRUE(pmu.configure_from_cpuid(encode_cpuid_0a(v3), true).ok());
    EXPECT_EQ(pmu.config(), v3);
    EXPECT_FALSE(pmu.configure_from_cpuid({0x07300409u, 0, 0, 0}, false).ok());
}

}  // namespace
}  // namespace vpmu

namespace vpmu {
namespace {

class VpmuPmiProtocolTest : public ::testing::Test, protected testing::ModelHarness {
protected:
    void use(const char* spec) { pmu.configure(parse_pmu_spec(spec).value()); }
    void overflow_pmc0() {
        ASSERT_EQ(wr(msr::kPmc0, static_cast<std::uint32_t>(-1)), Access::ok);
        ASSERT_EQ(wr(msr::kPerfEvtSel0, 0x3C | evtsel::kUsr | evtsel::kOs | evtsel::kEnable | evtsel::kInt),
                  Access::ok);
        backend.advance(CounterId::gp(0), 1);
        ASSERT_TRUE(pmu.collect_overflows());
        ASSERT_TRUE(pmu.take_pmi());
    }
};

TEST_F(VpmuPmiProtocolTest, DebugCtlOwnsOnlyFreezePerfmonOnPmi) {
    use("version=2");
    EXPECT_EQ(rd(msr::kDebugCtl), 0u);
    EXPECT_EQ(wr(msr::kDebugCtl, kDebugCtlFreezePerfmonOnPmi), Access::ok);
    EXPECT_EQ(rd(msr::kDebugCtl), kDebugCtlFreezePerfmonOnPmi);
    for (unsigned bit : {0u, 1u, 6u, 7u, 11u, 14u, 63u}) {
        EXPECT_EQ(wr(msr::kDebugCtl, std::uint64_t{1} << bit), Access::fault) << "bit " << bit;
    }
    use("version=1");
    EXPECT_EQ(wr(msr::kDebugCtl, kDebugCtlFreezePerfmonOnPmi), Access::fault) << "no freeze before v2";
    pmu.configure(PmuConfig::off());
    EXPECT_EQ(rd(msr::kDebugCtl), 0u) << "DEBUGCTL exists without a PMU";
    EXPECT_EQ(wr(msr::kDebugCtl, 0), Access::ok);
}

TEST_F(VpmuPmiProtocolTest, LegacyFreezeClearsGlobalCtrlOnPmi) {
    use("version=2,gp=2");
    ASSERT_EQ(wr(msr::kDebugCtl, kDebugCtlFreezePerfmonOnPmi), Access::ok);
    overflow_pmc0();
    pmu.on_pmi_delivered();
    EXPECT_EQ(rd(msr::kGlobalCtrl), 0u);
    EXPECT_FALSE(backend.running(CounterId::gp(0)));
    EXPECT_EQ(rd(msr::kGlobalStatus), CounterId::gp(0).bit()) << "status stays for the handler";
}

TEST_F(VpmuPmiProtocolTest, StreamlinedFreezeSetsCtrFrzOnVersionFour) {
    use("version=4,gp=2");
    ASSERT_EQ(wr(msr::kDebugCtl, kDebugCtlFreezePerfmonOnPmi), Access::ok);
    overflow_pmc0();
    pmu.on_pmi_delivered();
    EXPECT_EQ(rd(msr::kGlobalStatus), CounterId::gp(0).bit() | global_status::kCtrFrz);
    EXPECT_EQ(rd(msr::kGlobalCtrl), 0x3u) << "v4 freezes through CTR_Frz, not GLOBAL_CTRL";
    EXPECT_FALSE(backend.running(CounterId::gp(0)));
    // The handler acks the overflow and unfreezes in one write.
    ASSERT_EQ(wr(msr::kGlobalStatusReset, CounterId::gp(0).bit() | global_status::kCtrFrz), Access::ok);
    EXPECT_TRUE(backend.running(CounterId::gp(0)));
}

TEST_F(VpmuPmiProtocolTest, NoFreezeWithoutTheDebugCtlBit) {
    use("version=4,gp=2");
    overflow_pmc0();
    pmu.on_pmi_delivered();
    EXPECT_TRUE(backend.running(CounterId::gp(0)));
    EXPECT_EQ(rd(msr::kGlobalStatus), CounterId::gp(0).bit());
}

TEST_F(VpmuPmiProtocolTest, RdpmcReadsCountersBySdmIndex) {
    use("version=2,gp=2,gp-width=40,fixed=3,fixed-width=48");
    ASSERT_EQ(wr(msr::kPmc0 + 1, 0x1234), Access::ok);
    ASSERT_EQ(wr(msr::kFixedCtr0 + 2, 0xABCDEF), Access::ok);
    EXPECT_EQ(pmu.rdpmc(1), 0x1234u);
    EXPECT_EQ(pmu.rdpmc((1u << 30) | 2), 0xABCDEFu);
    EXPECT_EQ(pmu.rdpmc(2), std::nullopt) << "no third GP counter";
    EXPECT_EQ(pmu.rdpmc((1u << 30) | 3), std::nullopt) << "no fourth fixed counter";
    EXPECT_EQ(pmu.rdpmc(0x80000000u), std::nullopt) << "reserved ECX bit";
    EXPECT_EQ(pmu.rdpmc((1u << 30) | 40), std::nullopt);
    pmu.configure(PmuConfig::off());
    EXPECT_EQ(pmu.rdpmc(0), std::nullopt);
}

}  // namespace
}  // namespace vpmu
