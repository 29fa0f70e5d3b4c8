#include "trace/hull.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "synthetic_clock.h"

namespace vpmu::trace {
namespace {

using test::ExchangeGenerator;
using test::SyntheticClocks;
using test::Exchange;

HullSync run(const SyntheticClocks& c, int n, std::int64_t period_ns, std::int64_t guest_start) {
    HullSync sync;
    ExchangeGenerator gen(c);
    for (int k = 0; k < n; ++k) {
        const Exchange e = gen.at(guest_start + k * period_ns);
        sync.add_guest_to_host(e.a_guest, e.b_host);
        sync.add_host_to_guest(e.c_host, e.d_guest);
    }
    return sync;
}

// The truth lies between the bounding lines by construction (every pair is
// a valid constraint), so the estimate is off by at most accuracy_ns over
// the span; with a 2 µs floor each way that is a few µs, and over 10 s of
// exchanges the slope is pinned to well under 1 ppm (band / span).
TEST(HullSync, RecoversOffsetAndDriftWithinTheStatedBounds) {
    SyntheticClocks c;  // 37 ppm, 2.5 s, 2 µs + Exp(3 µs) each way
    const std::int64_t start = 5'000'000'000, period = 1'000'000;
    const int n = 10'000;  // 10 s of exchanges at 1 kHz
    const HullSyncResult r = run(c, n, period, start).result();
    ASSERT_EQ(r.quality, SyncQuality::Accurate) << r.reason;
    EXPECT_EQ(r.pairs_gh, std::uint64_t(n));
    EXPECT_EQ(r.pairs_hg, std::uint64_t(n));
    ASSERT_TRUE(r.accuracy_ns);
    EXPECT_LT(*r.accuracy_ns, 5'000.0L);
    for (std::int64_t g = start; g <= start + n * period; g += period * 100) {
        const long double truth = c.host_of(g);
        EXPECT_LE(std::fabs(r.transform.at(g) - truth), *r.accuracy_ns + 1) << "at guest " << g;
        EXPECT_GE(std::max(r.max_slope_line->at(g), r.min_slope_line->at(g)) + 1, truth);
        EXPECT_LE(std::min(r.max_slope_line->at(g), r.min_slope_line->at(g)) - 1, truth);
    }
    const long double drift_ppm = (r.transform.slope - 1) * 1e6L;
    EXPECT_NEAR(static_cast<double>(drift_ppm), 37.0, 1.0);
    // The offset of the contract's form (at guest time 0, 5 s before the
    // data) is off by the drift error times 5 s at most, plus the accuracy.
    EXPECT_NEAR(static_cast<double>(r.transform.offset()), 2.5e9, 5e3 + 1e-6 * 5e9);
    EXPECT_LE(r.min_slope_line->slope, r.max_slope_line->slope);
}

TEST(HullSync, TruthStaysInsideTheBoundsForManySeeds) {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        SyntheticClocks c;
        c.seed = seed;
        c.drift_ppm = -120.0 + 13.0 * static_cast<double>(seed);
        c.offset_ns = -3'000'000'000 + static_cast<std::int64_t>(seed) * 777'777'777;
        const HullSyncResult r = run(c, 500, 2'000'000, 1'000'000).result();
        ASSERT_EQ(r.quality, SyncQuality::Accurate) << "seed " << seed;
        for (std::int64_t g = 1'000'000; g <= 1'000'000 + 500 * 2'000'000; g += 50'000'000) {
            EXPECT_LE(std::fabs(r.transform.at(g) - c.host_of(g)), *r.accuracy_ns + 1) << "seed " << seed;
        }
    }
}

TEST(HullSync, RealtimeScaleTimestampsKeepNanosecondPrecision) {
    SyntheticClocks c;
    c.offset_ns = 1'700'000'000'000'000'000;  // host clock with a realtime origin
    const HullSyncResult r = run(c, 2'000, 1'000'000, 3'000'000'000).result();
    ASSERT_EQ(r.quality, SyncQuality::Accurate);
    const std::int64_t g = 3'500'000'000;
    EXPECT_LE(std::fabs(r.transform.at(g) - c.host_of(g)), *r.accuracy_ns + 1);
    EXPECT_NEAR(static_cast<double>(r.transform.apply(g) - 1'700'000'000'000'000'000),
                static_cast<double>(c.host_of(g) - 1'700'000'000'000'000'000.0L), *r.accuracy_ns + 1);
}

TEST(HullSync, OneDirectionOnlyIsIncomplete) {
    SyntheticClocks c;
    ExchangeGenerator gen(c);
    HullSync gh_only, hg_only;
    for (int k = 0; k < 100; ++k) {
        const Exchange e = gen.at(k * 1'000'000);
        gh_only.add_guest_to_host(e.a_guest, e.b_host);
        hg_only.add_host_to_guest(e.c_host, e.d_guest);
    }
    const auto a = gh_only.result();
    EXPECT_EQ(a.quality, SyncQuality::Incomplete);
    EXPECT_EQ(a.pairs_hg, 0u);
    EXPECT_FALSE(a.accuracy_ns);
    // Guest→host pairs only bound the host time from above: the line is
    // their supporting line, never later than a receive.
    EXPECT_LE(a.transform.at(0), c.host_of(0) + c.min_latency_ns + 50'000);
    const auto b = hg_only.result();
    EXPECT_EQ(b.quality, SyncQuality::Incomplete);
    EXPECT_EQ(b.pairs_gh, 0u);
    EXPECT_EQ(HullSync().result().quality, SyncQuality::Fail);
}

TEST(HullSync, PairsThatBoundOneSideOfTheSlopeOnlyAreApproximate) {
    // All host→guest pairs come before all guest→host pairs: the slope is
    // bounded from above only.
    SyntheticClocks c;
    ExchangeGenerator gen(c);
    HullSync sync;
    for (int k = 0; k < 50; ++k) {
        const Exchange e = gen.at(k * 1'000'000);
        sync.add_host_to_guest(e.c_host, e.d_guest);
    }
    for (int k = 100; k < 150; ++k) {
        const Exchange e = gen.at(k * 1'000'000);
        sync.add_guest_to_host(e.a_guest, e.b_host);
    }
    const auto r = sync.result();
    EXPECT_EQ(r.quality, SyncQuality::Approximate) << r.reason;
    EXPECT_TRUE(r.max_slope_line);
    EXPECT_FALSE(r.min_slope_line);
}

TEST(HullSync, CrossingHullsFail) {
    SyntheticClocks c;
    HullSync sync = run(c, 100, 1'000'000, 0);
    ExchangeGenerator gen(c);
    // A guest→host "pair" received 1 ms before it was sent: no line fits.
    const Exchange e = gen.at(50'500'000);
    sync.add_guest_to_host(e.a_guest, e.b_host - 1'000'000);
    const auto r = sync.result();
    EXPECT_EQ(r.quality, SyncQuality::Fail);
    EXPECT_NE(r.reason.find("cross"), std::string::npos);
}

TEST(HullSync, OutOfOrderPointsGiveTheSameHull) {
    SyntheticClocks c;
    ExchangeGenerator gen(c);
    std::vector<Exchange> ex;
    for (int k = 0; k < 2'000; ++k) ex.push_back(gen.at(k * 1'000'000));
    HullSync in_order, shuffled;
    for (const auto& e : ex) {
        in_order.add_guest_to_host(e.a_guest, e.b_host);
        in_order.add_host_to_guest(e.c_host, e.d_guest);
    }
    std::mt19937 rng(7);
    std::shuffle(ex.begin(), ex.end(), rng);
    for (const auto& e : ex) {
        shuffled.add_guest_to_host(e.a_guest, e.b_host);
        shuffled.add_host_to_guest(e.c_host, e.d_guest);
    }
    const auto a = in_order.result(), b = shuffled.result();
    EXPECT_EQ(a.hull_gh, b.hull_gh);
    EXPECT_EQ(a.hull_hg, b.hull_hg);
    EXPECT_NEAR(static_cast<double>(a.transform.offset()), static_cast<double>(b.transform.offset()), 1.0);
}

// Memory is bounded by the hulls: for millions of random-delay pairs they
// keep O(log n) vertices, not the pairs.
TEST(HullSync, MillionsOfPairsKeepOnlyAFewHullVertices) {
    SyntheticClocks c;
    c.seed = 99;
    HullSync sync;
    ExchangeGenerator gen(c);
    std::size_t largest = 0;
    for (int k = 0; k < 2'000'000; ++k) {
        const Exchange e = gen.at(std::int64_t{k} * 100'000);
        sync.add_guest_to_host(e.a_guest, e.b_host);
        sync.add_host_to_guest(e.c_host, e.d_guest);
        largest = std::max(largest, sync.hull_points());
    }
    const auto r = sync.result();
    EXPECT_EQ(r.pairs_gh + r.pairs_hg, 4'000'000u);
    EXPECT_LT(largest, 200u) << "hull grew with the trace";
    EXPECT_EQ(r.quality, SyncQuality::Accurate);
}

}  // namespace
}  // namespace vpmu::trace
