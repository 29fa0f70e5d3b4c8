// A synthetic guest/host clock pair and sync exchange for the synchronizer
// tests and benchmarks: host = slope · guest + offset exactly, and messages
// with a minimum latency plus a one-sided random (exponential) delay.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace vpmu::trace::test {

struct SyntheticClocks {
    double drift_ppm = 37.0;
    std::int64_t offset_ns = 2'500'000'000;   // host − guest at guest time 0
    std::int64_t min_latency_ns = 2'000;      // each direction
    double mean_extra_ns = 3'000;             // exponential, one-sided
    std::uint64_t seed = 1;

    long double slope() const { return 1.0L + static_cast<long double>(drift_ppm) * 1e-6L; }
    long double host_of(long double guest) const { return slope() * guest + offset_ns; }
    long double guest_of(long double host) const { return (host - offset_ns) / slope(); }
};

// One exchange k: guest sends at g (a), host receives (b), host answers
// after `turnaround` (c), guest receives (d). Times in each side's clock.
struct Exchange {
    std::int64_t a_guest, b_host, c_host, d_guest;
};

class ExchangeGenerator {
public:
    explicit ExchangeGenerator(const SyntheticClocks& c) : c_(c), rng_(c.seed), extra_(1.0 / c.mean_extra_ns) {}

    Exchange at(std::int64_t guest_send, std::int64_t turnaround_ns = 1'000) {
        Exchange e;
        e.a_guest = guest_send;
        e.b_host = static_cast<std::int64_t>(std::ceil(c_.host_of(guest_send))) + c_.min_latency_ns +
                   static_cast<std::int64_t>(extra_(rng_));
        e.c_host = e.b_host + turnaround_ns;
        const long double arrive = static_cast<long double>(e.c_host + c_.min_latency_ns) +
                                   static_cast<long double>(extra_(rng_));
        e.d_guest = static_cast<std::int64_t>(std::ceil(c_.guest_of(arrive)));
        return e;
    }

private:
    SyntheticClocks c_;
    std::mt19937_64 rng_;
    std::exponential_distribution<double> extra_;
};

}  // namespace vpmu::trace::test
