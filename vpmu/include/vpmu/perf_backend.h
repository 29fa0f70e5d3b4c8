// Counter backends on host perf events, opened on the calling (vCPU) thread.
//
//  - hardware: each architectural event maps to the host event libpfm4
//    resolves for it (the host's own PMU, or perf's generic hardware
//    events), counting guest mode only (exclude_host) where the host
//    supports it. Needs a host PMU; unavailable events are reported in
//    unavailable_events() rather than counted as zero.
//  - time: no host PMU needed. Core and reference cycles are the vCPU
//    thread's task-clock scaled to the guest TSC frequency; every other
//    event is unavailable. Task-clock cannot tell guest rings apart, so a
//    counter restricted to USR or OS counts both.
//
// Each started counter is a perf event on the thread that created the
// backend (the vCPU thread), whose sample period is the distance to the
// virtual counter's overflow; the overflow arrives as overflow_signal() to
// that thread, which ends KVM_RUN with EINTR. Other threads may drive the
// backend (the PMC pool's rotation does) but not concurrently with its owner.
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "vpmu/backend.h"
#include "vpmu/result.h"

struct perf_event_attr;

namespace vpmu {

// The realtime signal a counter overflow raises on the thread that started
// the counter. The VMM must leave it unblocked while in KVM_RUN.
int overflow_signal();

class PerfBackend final : public CounterBackend, public CounterTiming {
public:
    enum class Mode { hardware, time };

    // `tsc_khz` is the guest TSC frequency (KVM_GET_TSC_KHZ), used by the
    // time mode to turn nanoseconds into cycles.
    static Result<std::unique_ptr<PerfBackend>> create(Mode mode, std::uint32_t tsc_khz);
    ~PerfBackend() override;

    std::uint32_t unavailable_events() const override { return unavailable_; }
    Result<void> start(CounterId id, const CounterEvent& event, std::uint64_t period) override;
    std::uint64_t read(CounterId id) override;
    std::uint64_t stop(CounterId id) override;
    std::uint64_t take_overflows() override;
    std::uint64_t running_ns(CounterId id) override;

    Mode mode() const { return mode_; }

private:
    struct Slot;
    PerfBackend(Mode mode, std::uint32_t tsc_khz, std::uint32_t unavailable);
    Result<void> attr_for(const CounterEvent& event, perf_event_attr& attr) const;
    std::uint64_t to_events(std::uint64_t host_count) const;
    std::uint64_t to_host_period(std::uint64_t events) const;

    Mode mode_;
    std::uint32_t tsc_khz_;
    std::uint32_t unavailable_;
    pid_t owner_tid_;  // the thread the events count
    std::atomic<std::uint64_t> pending_{0};  // overflowed counters, set by the signal handler
    std::array<std::unique_ptr<Slot>, 64> slots_;
};

// Which architectural events the host's perf can count in hardware mode
// (CPUID.0AH.EBX style: set = unavailable), probed by opening each one.
std::uint32_t probe_hardware_unavailable_events();

}  // namespace vpmu
