// The sync-heartbeat guest: shared between its kernel part (main.cpp) and
// the user task that does the work (work.cpp).
#pragma once

#include <stdint.h>

namespace hb {

// guest_mark ids of the work items (value: the item's index).
inline constexpr uint32_t kMarkItemStart = 1;
inline constexpr uint32_t kMarkItemStop = 2;

struct Plan {
    uint64_t duration_ns;   // guest clock
    uint64_t sync_period_ns;  // 0: no sync exchanges
    uint64_t item_ns;       // mean length of one work item
};

// Exchange round trips (rt::trace::last_exchange_ticks), in guest ns:
// 10 ns buckets up to 50 µs, the rest in the last one.
struct ExchangeTimes {
    static constexpr uint32_t kBucketNs = 10;
    static constexpr uint32_t kBuckets = 5000;
    uint64_t count = 0, sum_ns = 0, min_ns = ~uint64_t(0);
    uint32_t histogram[kBuckets] = {};
    void add(uint64_t ns);
    uint64_t percentile(uint32_t p) const;  // bucket middle, p in 0..100
};

struct Outcome {
    uint64_t items = 0;
    uint64_t checksum = 0;  // keeps the work from being optimized away
    ExchangeTimes exchanges;
};

// The user task: `arg` points at a Plan, the result at an Outcome.
struct TaskIo {
    Plan plan;
    Outcome outcome;
};
uint64_t run_work(uint64_t task_io);

}  // namespace hb
