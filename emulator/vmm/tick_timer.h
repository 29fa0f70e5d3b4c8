// `vpmu run --tick-hz N`: a host timer that stops the vCPU N times per
// second of its thread's CPU time and resumes it, doing nothing else -- the
// floor under any sample taken by interrupting the guest (DESIGN.md: ~30-50
// µs per stop of a user-mode guest on the PVM host). The clock is the vCPU
// thread's task-clock, a perf software event (hrtimer-driven), the clock the
// time backend counts, so a tick rate and a sampling frequency of the guest
// match. Its overflow signal is the kick signal: KVM_RUN returns EINTR (an
// InterruptedExit, counted as such) and the loop re-enters.
#pragma once

#include <cstdint>

#include "kvm/fd.h"
#include "vpmu/result.h"

namespace vpmu::vmm {

class TickTimer {
public:
    // Starts ticking the calling thread every 1/hz s of its CPU time; call
    // on the vCPU thread. hz in 1..kMaxTickHz.
    static Result<TickTimer> start(std::uint32_t hz, int signal);
    // The task-clock overflows so far (each one signalled the thread).
    std::uint64_t ticks() const;

private:
    explicit TickTimer(kvm::Fd fd, std::uint64_t period_ns) : fd_(std::move(fd)), period_ns_(period_ns) {}
    kvm::Fd fd_;
    std::uint64_t period_ns_;
};

inline constexpr std::uint32_t kMaxTickHz = 100000;

}  // namespace vpmu::vmm
