// The host perf-event backends, on the real perf_event_open of this host.
#include "vpmu/perf_backend.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <time.h>

#include "vpmu/backends.h"
#include "vpmu/vpmu.h"

namespace vpmu {
namespace {

constexpr std::uint32_t kOneGhz = 1000000;  // kHz: one cycle per nanosecond
constexpr CounterId kPmc0 = CounterId::gp(0);
const CounterEvent kCycles{ArchEvent::core_cycles, 0x3C, true, true};

std::uint64_t thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

// Burns CPU on this thread until `stop` says so or `limit_ns` of CPU passed.
template <class Stop>
void spin(std::uint64_t limit_ns, Stop stop) {
    std::uint64_t until = thread_cpu_ns() + limit_ns;
    volatile std::uint64_t sink = 0;
    while (!stop() && thread_cpu_ns() < until) {
        for (int i = 0; i < 1000; ++i) sink = sink + static_cast<std::uint64_t>(i);
    }
}

std::unique_ptr<PerfBackend> time_backend(std::uint32_t khz) {
    auto made = PerfBackend::create(PerfBackend::Mode::time, khz);
    EXPECT_TRUE(made.ok()) << made.error().message;
    return made.ok() ? std::move(made).value() : nullptr;
}

TEST(TimeBackendTest, OnlyCycleEventsAreAvailable) {
    auto backend = time_backend(kOneGhz);
    ASSERT_TRUE(backend);
    EXPECT_EQ(backend->unavailable_events(),
              0xFFu & ~(event_bit(ArchEvent::core_cycles) | event_bit(ArchEvent::ref_cycles)));
    auto refused = backend->start(kPmc0, CounterEvent{ArchEvent::instructions, 0xC0, true, true}, 100);
    ASSERT_FALSE(refused.ok());
    EXPECT_THAT(refused.error().message, ::testing::HasSubstr("Instructions Retired"));
    EXPECT_FALSE(backend->start(kPmc0, CounterEvent{std::nullopt, 0x1234, true, true}, 100).ok());
}

TEST(TimeBackendTest, NeedsTheTscFrequency) {
    auto made = PerfBackend::create(PerfBackend::Mode::time, 0);
    ASSERT_FALSE(made.ok());
    EXPECT_THAT(made.error().message, ::testing::HasSubstr("TSC frequency"));
}

// Task-clock and CLOCK_THREAD_CPUTIME_ID are both the thread's scheduler
// runtime, so over the same interval they agree to within the time between
// the two reads (a few microseconds) plus read granularity: 1% + 200 us.
TEST(TimeBackendTest, CyclesAreThreadCpuTimeScaledToTsc) {
    constexpr std::uint32_t kKhz = 2500000;  // 2.5 GHz
    auto backend = time_backend(kKhz);
    ASSERT_TRUE(backend);
    ASSERT_TRUE(backend->start(kPmc0, kCycles, std::uint64_t{1} << 47).ok());
    std::uint64_t cpu0 = thread_cpu_ns();
    spin(20'000'000, [] { return false; });
    std::uint64_t cpu_ns = thread_cpu_ns() - cpu0;
    std::uint64_t cycles = backend->stop(kPmc0);
    double expected = static_cast<double>(cpu_ns) * kKhz / 1e6;
    EXPECT_NEAR(static_cast<double>(cycles), expected, expected * 0.01 + 200e3 * kKhz / 1e6);
    EXPECT_EQ(backend->take_overflows(), 0u);
}

TEST(TimeBackendTest, OverflowSignalArrivesAfterThePeriod) {
    auto backend = time_backend(kOneGhz);
    ASSERT_TRUE(backend);
    constexpr std::uint64_t kPeriod = 3'000'000;  // 3 ms of CPU at 1 GHz
    ASSERT_TRUE(backend->start(kPmc0, kCycles, kPeriod).ok());
    std::uint64_t overflowed = 0;
    spin(2'000'000'000, [&] { return (overflowed = backend->take_overflows()) != 0; });
    std::uint64_t counted = backend->stop(kPmc0);
    ASSERT_EQ(overflowed, kPmc0.bit()) << "no overflow signal within 2 s of CPU";
    EXPECT_GE(counted, kPeriod);
}

TEST(TimeBackendTest, RestartReusesTheEventWithANewPeriod) {
    auto backend = time_backend(kOneGhz);
    ASSERT_TRUE(backend);
    ASSERT_TRUE(backend->start(kPmc0, kCycles, std::uint64_t{1} << 40).ok());
    spin(2'000'000, [] { return false; });
    EXPECT_GT(backend->stop(kPmc0), 0u);
    ASSERT_TRUE(backend->start(kPmc0, kCycles, 2'000'000).ok());
    EXPECT_LT(backend->read(kPmc0), 1'000'000u) << "a restart counts from zero";
    std::uint64_t overflowed = 0;
    spin(2'000'000'000, [&] { return (overflowed = backend->take_overflows()) != 0; });
    EXPECT_EQ(overflowed, kPmc0.bit());
    backend->stop(kPmc0);
}

// The model on the real time backend: a counter programmed to overflow
// after 2 ms of CPU wraps, sets GLOBAL_STATUS and asks for a PMI.
TEST(TimeBackendTest, DrivesTheModelToAPmi) {
    auto backend = time_backend(kOneGhz);
    ASSERT_TRUE(backend);
    Vpmu pmu(*backend);
    pmu.configure(parse_pmu_spec("version=2,gp=2,gp-width=32").value());
    ASSERT_EQ(pmu.wrmsr(MsrIndex{msr::kPmc0}, static_cast<std::uint32_t>(-2'000'000)), Access::ok);
    ASSERT_EQ(pmu.wrmsr(MsrIndex{msr::kPerfEvtSel0},
                        0x3C | evtsel::kUsr | evtsel::kOs | evtsel::kInt | evtsel::kEnable),
              Access::ok);
    spin(2'000'000'000, [&] { return pmu.collect_overflows(); });
    EXPECT_TRUE(pmu.take_pmi());
    EXPECT_EQ(pmu.rdmsr(MsrIndex{msr::kGlobalStatus}), kPmc0.bit());
    EXPECT_LT(pmu.rdmsr(MsrIndex{msr::kPmc0}).value(), 1'000'000u) << "wrapped to a small value";
}

TEST(HardwareBackendTest, CountsInstructionsWhenTheHostHasAPmu) {
    auto made = PerfBackend::create(PerfBackend::Mode::hardware, kOneGhz);
    if (!made.ok()) GTEST_SKIP() << "no host PMU here: " << made.error().message;
    auto& backend = *made.value();
    // exclude_host: outside a guest, a guest-only event counts nothing.
    CounterEvent instructions{ArchEvent::instructions, 0xC0, true, true};
    ASSERT_TRUE(backend.start(kPmc0, instructions, std::uint64_t{1} << 40).ok());
    spin(1'000'000, [] { return false; });
    EXPECT_EQ(backend.stop(kPmc0), 0u) << "host activity must not reach a guest counter";
}

TEST(MakeBackendTest, AutoFallsBackToTimeWithoutHostPmu) {
    auto made = make_backend(BackendKind::automatic, BackendOptions{kOneGhz});
    ASSERT_TRUE(made.ok()) << made.error().message;
    bool host_pmu = !(probe_hardware_unavailable_events() & event_bit(ArchEvent::core_cycles));
    auto* perf = dynamic_cast<PerfBackend*>(made.value().get());
    ASSERT_NE(perf, nullptr);
    EXPECT_EQ(perf->mode(), host_pmu ? PerfBackend::Mode::hardware : PerfBackend::Mode::time);
}

}  // namespace
}  // namespace vpmu
