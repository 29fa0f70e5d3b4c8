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

struct Outcome {
    uint64_t items = 0;
    uint64_t checksum = 0;  // keeps the work from being optimized away
};

// The user task: `arg` points at a Plan, the result at an Outcome.
struct TaskIo {
    Plan plan;
    Outcome outcome;
};
uint64_t run_work(uint64_t task_io);

}  // namespace hb
