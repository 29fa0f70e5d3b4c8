// Host and guest CTF traces of a synthetic VM run, written with the real
// writer and schemas: a 1 vCPU guest doing sync exchanges (Gebai's a/b/c/d)
// every `period_ns`, emitting guest_mark events while it runs, and the host
// preempting the vCPU now and then. The clocks relate as SyntheticClocks
// says, so the synchronizer's answer can be checked against the truth.
#pragma once

#include <cstdint>
#include <string>

#include "synthetic_clock.h"

namespace vpmu::trace::test {

struct SyntheticRun {
    SyntheticClocks clocks;
    int exchanges = 1000;
    std::int64_t period_ns = 1'000'000;        // guest time between exchanges
    std::int64_t guest_start_ns = 1'000'000'000;
    int marks_per_period = 4;                  // guest events while the vCPU runs
    int preempt_every = 3;                     // a host preemption every N periods
    std::uint64_t vm_uid = 0x1234abcd5678ef01ULL;
    bool host_to_guest = true;                 // emit the hg direction
    bool guest_to_host = true;
    std::uint64_t other_vm_uid = 0;            // nonzero: also host sync events of another VM
};

struct SyntheticCounts {
    std::uint64_t host_events = 0;
    std::uint64_t guest_events = 0;
};

SyntheticCounts write_synthetic_traces(const SyntheticRun& run, const std::string& host_dir,
                                       const std::string& guest_dir);

}  // namespace vpmu::trace::test
