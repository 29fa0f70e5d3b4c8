// The physical-PMC pool: binding, release, rotation and perf-style scaling,
// first on FakeBackends with a manual clock, then on real perf events.
#include "vpmu/pmc_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "vpmu/fake_backend.h"
#include "vpmu/perf_backend.h"
#include "vpmu/vpmu.h"

namespace vpmu {
namespace {

using namespace std::chrono_literals;

constexpr CounterEvent kCycles{ArchEvent::core_cycles, 0x3C, true, true};
constexpr std::uint64_t kFar = std::uint64_t{1} << 40;

// A clock the test advances by hand.
struct ManualClock {
    std::uint64_t ns = 0;
    PmcPool::Clock fn() {
        return [this] { return ns; };
    }
};

// A pool whose rotation thread never fires on its own: tests rotate().
PmcPool::Options manual(unsigned slots) { return {slots, std::chrono::hours(1)}; }

TEST(PmcPoolTest, BindsWhileSlotsAreFreeThenQueues) {
    PmcPool pool(manual(2));
    FakeBackend host;
    ManualClock clock;
    auto client = pool.attach(host, clock.fn());
    for (unsigned i = 0; i < 3; ++i) ASSERT_TRUE(client->start(CounterId::gp(i), kCycles, kFar).ok());
    EXPECT_TRUE(host.running(CounterId::gp(0)));
    EXPECT_TRUE(host.running(CounterId::gp(1)));
    EXPECT_FALSE(host.running(CounterId::gp(2))) << "no third slot";
    client->stop(CounterId::gp(0));
    EXPECT_TRUE(host.running(CounterId::gp(2))) << "the freed slot goes to the waiting counter";
    EXPECT_EQ(pool.stats().binds, 3u);
    EXPECT_EQ(pool.stats().releases, 1u);
}

TEST(PmcPoolTest, UnmultiplexedCountsAreExact) {
    PmcPool pool(manual(4));
    FakeBackend host;
    ManualClock clock;
    auto client = pool.attach(host, clock.fn());
    ASSERT_TRUE(client->start(CounterId::fixed(1), kCycles, 500).ok());
    EXPECT_EQ(host.period(CounterId::fixed(1)), 500u) << "the model's period passes through";
    host.advance(CounterId::fixed(1), 123);
    clock.ns += 1000;
    EXPECT_EQ(client->read(CounterId::fixed(1)), 123u);
    host.advance(CounterId::fixed(1), 400);
    EXPECT_EQ(client->take_overflows(), CounterId::fixed(1).bit());
    EXPECT_EQ(client->stop(CounterId::fixed(1)), 523u);
}

// Three counters on one slot, a steady rate of 10 events per ns: each runs
// a third of the time, and enabled/running scaling recovers the true count.
TEST(PmcPoolTest, RotationSharesSlotsAndScalesEstimates) {
    PmcPool pool(manual(1));
    FakeBackend host;
    ManualClock clock;
    auto client = pool.attach(host, clock.fn());
    for (unsigned i = 0; i < 3; ++i) ASSERT_TRUE(client->start(CounterId::gp(i), kCycles, kFar).ok());
    for (int slice = 0; slice < 30; ++slice) {
        clock.ns += 100;
        host.advance_all(1000);  // only the bound counter counts
        pool.rotate();
    }
    for (unsigned i = 0; i < 3; ++i) {
        EXPECT_EQ(client->read(CounterId::gp(i)), 30000u) << "counter " << i;
    }
    EXPECT_EQ(pool.stats().rotations, 30u);
}

TEST(PmcPoolTest, RebindUsesThePeriodLeftAtTheObservedRate) {
    PmcPool pool(manual(1));
    FakeBackend host;
    ManualClock clock;
    auto client = pool.attach(host, clock.fn());
    const CounterId a = CounterId::gp(0), b = CounterId::gp(1);
    ASSERT_TRUE(client->start(a, kCycles, 10000).ok());
    ASSERT_TRUE(client->start(b, kCycles, 10000).ok());  // waits from t=0
    clock.ns += 100;
    host.advance(a, 1000);
    pool.rotate();  // a out, b in: b never ran, so its whole period is left
    EXPECT_EQ(host.period(b), 10000u);
    clock.ns += 100;
    host.advance(b, 1000);
    pool.rotate();  // b out, a in
    clock.ns += 100;
    host.advance(a, 1000);
    pool.rotate();  // b back: ran 100 of 300 ns, estimate 3000 of 10000
    ASSERT_TRUE(host.running(b));
    EXPECT_EQ(client->read(b), 3000u);
    // 7000 estimated events left, at a running/enabled ratio of 1/3.
    EXPECT_EQ(host.period(b), 2333u);
    // a counted exactly until it first gave up its slot, then was scaled.
    EXPECT_EQ(client->read(a), 1000u + 1000u * 200 / 100);
}

TEST(PmcPoolTest, ClientsShareOnePoolAndKeepTheirOwnCounts) {
    PmcPool pool(manual(1));
    FakeBackend host_a, host_b;
    ManualClock clock;
    auto a = pool.attach(host_a, clock.fn());
    auto b = pool.attach(host_b, clock.fn());
    ASSERT_TRUE(a->start(CounterId::gp(0), kCycles, kFar).ok());
    ASSERT_TRUE(b->start(CounterId::gp(0), kCycles, kFar).ok());
    EXPECT_TRUE(host_a.running(CounterId::gp(0)));
    EXPECT_FALSE(host_b.running(CounterId::gp(0))) << "one slot for both vCPUs";
    clock.ns += 10;
    host_a.advance(CounterId::gp(0), 77);
    pool.rotate();
    EXPECT_TRUE(host_b.running(CounterId::gp(0)));
    EXPECT_EQ(b->take_overflows(), 0u);
    b.reset();  // a vCPU going away releases its slot
    EXPECT_TRUE(host_a.running(CounterId::gp(0)));
}

TEST(PmcPoolTest, BindFailureIsCountedAndNamed) {
    PmcPool pool(manual(1));
    FakeBackend host;
    auto client = pool.attach(host, [] { return std::uint64_t{0}; });
    host.fail_next_start("EMFILE");
    auto refused = client->start(CounterId::gp(0), kCycles, kFar);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().message, "EMFILE");
    ASSERT_TRUE(client->start(CounterId::gp(0), kCycles, kFar).ok());
    ASSERT_TRUE(client->start(CounterId::gp(1), kCycles, kFar).ok());
    host.fail_next_start("ENOSPC");
    pool.rotate();
    EXPECT_EQ(pool.stats().bind_failures, 1u);
    EXPECT_EQ(pool.last_error(), "ENOSPC");
}

// A waiting counter the host refuses when its turn comes (EMFILE, say)
// stops counting: its estimate stays what it was at the refusal instead of
// being extrapolated on, and the pool reports it dropped with the reason,
// so the model can say so rather than pass a made-up count off as real.
TEST(PmcPoolTest, CounterThatCannotRebindIsDroppedNotExtrapolated) {
    PmcPool pool(manual(1));
    FakeBackend host;
    ManualClock clock;
    auto client = pool.attach(host, clock.fn());
    const CounterId a = CounterId::gp(0), b = CounterId::gp(1);
    ASSERT_TRUE(client->start(a, kCycles, kFar).ok());
    ASSERT_TRUE(client->start(b, kCycles, kFar).ok());
    for (int slice = 0; slice < 3; ++slice) {  // a, b, a: 10 events per ns while bound
        clock.ns += 100;
        host.advance_all(1000);
        pool.rotate();
    }
    clock.ns += 100;
    host.advance_all(1000);
    host.fail_next_start("EMFILE");
    pool.rotate();  // b out, a refused
    ASSERT_FALSE(host.running(a));
    ASSERT_TRUE(host.running(b)) << "the slot goes to the next waiting counter";
    const std::uint64_t at_refusal = client->read(a);
    EXPECT_EQ(at_refusal, 1000u + 1000u * 300 / 100) << "exact until multiplexed, then scaled";
    clock.ns += 1000;
    host.advance_all(10000);
    EXPECT_EQ(client->read(a), at_refusal) << "a dropped counter must not keep counting by extrapolation";
    Error reason;
    EXPECT_EQ(client->take_dropped(reason), a.bit());
    EXPECT_EQ(reason.message, "EMFILE");
    EXPECT_EQ(client->take_dropped(reason), 0u) << "reported once";
    EXPECT_EQ(client->stop(a), at_refusal);
    EXPECT_EQ(pool.stats().rotations, 4u);
}

// 8 virtual counters on 2 slots, every one counting the same steady
// workload (this thread's CPU time through the real time backend): each
// estimate must come within 3% of the unmultiplexed truth, the thread's
// CPU time over the same interval. Justification: with a 1 ms slice over
// 400 ms each counter is sampled in ~100 slices of a constant-rate
// workload, so the extrapolation error is bounded by about one slice
// (0.25%) plus the skew between reads; 3% leaves room for a noisy host.
TEST(PmcPoolTest, MultiplexedTimeCountersEstimateTheTruth) {
    auto made = PerfBackend::create(PerfBackend::Mode::time, 1000000);
    ASSERT_TRUE(made.ok()) << made.error().message;
    auto& host = *made.value();
    PmcPool pool({2, std::chrono::microseconds(1000)});
    auto client = pool.attach(host);
    auto cpu = thread_cpu_clock();
    std::uint64_t start_ns = cpu();
    for (unsigned i = 0; i < 8; ++i) ASSERT_TRUE(client->start(CounterId::gp(i), kCycles, kFar).ok());
    volatile std::uint64_t sink = 0;
    while (cpu() - start_ns < 400'000'000) {
        for (int i = 0; i < 10000; ++i) sink = sink + 1;
    }
    std::uint64_t truth = cpu() - start_ns;
    for (unsigned i = 0; i < 8; ++i) {
        double estimate = static_cast<double>(client->stop(CounterId::gp(i)));
        EXPECT_NEAR(estimate, static_cast<double>(truth), 0.03 * static_cast<double>(truth)) << "counter " << i;
    }
    EXPECT_GT(pool.stats().rotations, 50u) << "the rotation thread time-sliced the slots";
}

// Two vCPU threads share one pool: a busy one and an idle one. The idle
// vCPU's counter must not see the busy one's activity.
TEST(PmcPoolTest, NoCounterSeesAnotherThreadsActivity) {
    PmcPool pool({1, std::chrono::microseconds(500)});
    std::atomic<bool> done{false};
    std::uint64_t idle_count = ~std::uint64_t{0}, busy_count = 0;
    std::thread idle([&] {
        auto host = PerfBackend::create(PerfBackend::Mode::time, 1000000);
        ASSERT_TRUE(host.ok());
        auto client = pool.attach(*host.value());
        ASSERT_TRUE(client->start(CounterId::gp(0), kCycles, kFar).ok());
        while (!done) std::this_thread::sleep_for(1ms);
        idle_count = client->stop(CounterId::gp(0));
    });
    std::thread busy([&] {
        auto host = PerfBackend::create(PerfBackend::Mode::time, 1000000);
        ASSERT_TRUE(host.ok());
        auto client = pool.attach(*host.value());
        ASSERT_TRUE(client->start(CounterId::gp(0), kCycles, kFar).ok());
        auto cpu = thread_cpu_clock();
        std::uint64_t t0 = cpu();
        volatile std::uint64_t sink = 0;
        while (cpu() - t0 < 100'000'000) sink = sink + 1;
        busy_count = client->stop(CounterId::gp(0));
        done = true;
    });
    busy.join();
    idle.join();
    EXPECT_GT(busy_count, 90'000'000u);
    // The idle thread wakes every ms for a few microseconds of CPU.
    EXPECT_LT(idle_count, 10'000'000u) << "the idle vCPU's counter saw foreign activity";
}

}  // namespace
}  // namespace vpmu
