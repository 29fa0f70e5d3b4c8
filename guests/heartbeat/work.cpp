// The heartbeat's user task: work items of integer arithmetic, each
// between two guest_mark events written straight into the trace buffer
// (no system call), and a sync exchange (one system call) whenever one is
// due. Runs natively on the PVM host: all of it is CPL3.
#include "heartbeat.h"
#include "rt/rt.h"

namespace hb {
namespace {

uint64_t xorshift(uint64_t& s) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
}

// Arithmetic until the guest clock passes `until`; checks the clock every
// few hundred iterations.
uint64_t work_until(uint64_t until, uint64_t seed) {
    uint64_t x = seed | 1, sum = 0;
    while (rt::clock_ns() < until) {
        for (int i = 0; i < 256; ++i) sum += xorshift(x) >> 3;
    }
    return sum;
}

}  // namespace

void ExchangeTimes::add(uint64_t ns) {
    ++count;
    sum_ns += ns;
    if (ns < min_ns) min_ns = ns;
    const uint64_t b = ns / kBucketNs;
    ++histogram[b < kBuckets ? b : kBuckets - 1];
}

uint64_t ExchangeTimes::percentile(uint32_t p) const {
    if (count == 0) return 0;
    const uint64_t rank = (count * p + 99) / 100;
    uint64_t seen = 0;
    for (uint32_t b = 0; b < kBuckets; ++b) {
        seen += histogram[b];
        if (seen >= rank && seen != 0) return uint64_t(b) * kBucketNs + kBucketNs / 2;
    }
    return uint64_t(kBuckets) * kBucketNs;
}

uint64_t run_work(uint64_t task_io) {
    auto& io = *reinterpret_cast<TaskIo*>(uintptr_t(task_io));
    const Plan& plan = io.plan;
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    const uint64_t start = rt::clock_ns();
    const uint64_t end = start + plan.duration_ns;
    uint64_t next_sync = start;
    for (uint64_t now = start; now < end; now = rt::clock_ns()) {
        if (plan.sync_period_ns != 0 && now >= next_sync) {
            rt::trace::sync();
            io.outcome.exchanges.add(rt::clock_ticks_to_ns(rt::trace::last_exchange_ticks()));
            next_sync += plan.sync_period_ns;
            if (next_sync < now) next_sync = now + plan.sync_period_ns;  // fell behind: do not burst
        }
        // Items of 0.5x..1.5x the mean, so marks fall at every phase of
        // the sync period.
        const uint64_t length = plan.item_ns / 2 + xorshift(seed) % (plan.item_ns + 1);
        rt::trace::mark(kMarkItemStart, io.outcome.items);
        io.outcome.checksum += work_until(rt::clock_ns() + length, seed);
        rt::trace::mark(kMarkItemStop, io.outcome.items);
        ++io.outcome.items;
    }
    return 0;
}

}  // namespace hb
