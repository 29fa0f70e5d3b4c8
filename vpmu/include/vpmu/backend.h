// The counting interface the model drives. A virtual counter that starts
// counting asks its backend to count an event with a period (the distance to
// the virtual counter's overflow at its width); the backend reports counts
// and which periods elapsed. Backends: host perf events, single-step
// precise counting, the physical-PMC pool that multiplexes them, and
// FakeBackend for tests.
#pragma once

#include <cstdint>
#include <optional>

#include "vpmu/events.h"
#include "vpmu/result.h"

namespace vpmu {

// A virtual counter, numbered as the bits of IA32_PERF_GLOBAL_CTRL and
// IA32_PERF_GLOBAL_STATUS: GP counter i is i, fixed counter i is 32 + i.
struct CounterId {
    unsigned value;

    static constexpr unsigned kFixedBase = 32;
    static constexpr CounterId gp(unsigned i) { return {i}; }
    static constexpr CounterId fixed(unsigned i) { return {kFixedBase + i}; }
    constexpr bool is_fixed() const { return value >= kFixedBase; }
    constexpr unsigned index() const { return is_fixed() ? value - kFixedBase : value; }
    constexpr std::uint64_t bit() const { return std::uint64_t{1} << value; }
    friend constexpr bool operator==(CounterId, CounterId) = default;
};

// What the guest asked a counter to count.
struct CounterEvent {
    std::optional<ArchEvent> arch;  // nullopt: not an architectural event
    std::uint64_t raw = 0;  // IA32_PERFEVTSELx-style encoding (select, umask, E, INV, CMASK)
    bool count_user = true;    // CPL > 0
    bool count_kernel = true;  // CPL 0
    friend bool operator==(const CounterEvent&, const CounterEvent&) = default;
};

class CounterBackend {
public:
    virtual ~CounterBackend() = default;

    // CPUID.0AH.EBX bits (set = not available) for the architectural events
    // this backend cannot count; the VMM ORs them into the guest's leaf.
    virtual std::uint32_t unavailable_events() const = 0;

    // Starts counting `event` for counter `id`. After `period` events
    // (period >= 1) the backend reports `id` from take_overflows(). An error
    // leaves the counter stopped.
    virtual Result<void> start(CounterId id, const CounterEvent& event,
                               std::uint64_t period) = 0;

    // Events counted since start(); the counter keeps running.
    virtual std::uint64_t read(CounterId id) = 0;

    // Stops the counter; returns events counted since start().
    virtual std::uint64_t stop(CounterId id) = 0;

    // Counters (as CounterId bits) whose period elapsed since the last call.
    virtual std::uint64_t take_overflows() = 0;

    // Counters (as CounterId bits) the backend gave up on by itself since
    // the last call, and why (the last reason): a multiplexing backend whose
    // host refused a waiting counter when its turn came. A dropped counter
    // counts no further; stop() returns what it had counted until then.
    // Backends that can only fail in start() keep this default.
    virtual std::uint64_t take_dropped(Error& reason) {
        (void)reason;
        return 0;
    }
};

// Backends that know how long each counter has really been counting (perf's
// time_running) implement this too: the PMC pool then scales multiplexed
// counts with times taken atomically with the counts, not with clock reads
// that a preempted caller would skew.
class CounterTiming {
public:
    virtual ~CounterTiming() = default;
    // Nanoseconds counter `id` has been counting since start().
    virtual std::uint64_t running_ns(CounterId id) = 0;
};

}  // namespace vpmu
