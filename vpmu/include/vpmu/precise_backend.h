// Precise counting by single-stepping the guest: instructions retired and
// branch instructions retired counted exactly, with the overflow raised at
// exactly the N-th event. Slow (one VM exit per guest instruction), opt-in,
// and the ground truth the other backends are compared against.
//
// The VMM asks wants_single_step() before each KVM_RUN, single-steps while
// it is true, and reports every retired instruction with retire(). Events
// the steps cannot count (cycles) go to a fallback backend. Every member
// locks: under a PMC pool the rotation thread starts and stops counters
// while the vCPU thread retires instructions.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>

#include "vpmu/backend.h"

namespace vpmu {

// What the VMM knows of the instruction a single step just retired.
struct RetiredInstruction {
    bool user_mode = false;  // retired at CPL > 0
    bool branch = false;     // a branch instruction (taken or not)
};

class PreciseBackend final : public CounterBackend {
public:
    explicit PreciseBackend(std::unique_ptr<CounterBackend> fallback);

    std::uint32_t unavailable_events() const override;
    Result<void> start(CounterId id, const CounterEvent& event, std::uint64_t period) override;
    std::uint64_t read(CounterId id) override;
    std::uint64_t stop(CounterId id) override;
    std::uint64_t take_overflows() override;
    std::uint64_t take_dropped(Error& reason) override;

    // True while some stepped counter runs: the VMM must single-step.
    bool wants_single_step() const;
    void retire(const RetiredInstruction& instruction);

    // Instructions retired through retire() since creation.
    std::uint64_t steps() const;

private:
    struct Stepped {
        bool running = false;
        bool branches_only = false;
        bool count_user = true;
        bool count_kernel = true;
        std::uint64_t count = 0;
        std::uint64_t period = 0;
    };
    static bool stepped_event(const CounterEvent& event);

    mutable std::mutex mutex_;  // guards everything below, and the calls into fallback_
    std::unique_ptr<CounterBackend> fallback_;
    std::array<Stepped, 64> stepped_{};
    std::uint64_t stepped_running_ = 0;  // CounterId bits
    std::uint64_t overflowed_ = 0;
    std::uint64_t steps_ = 0;
};

// Whether the x86-64 instruction starting at `bytes` is a branch in the
// sense of "branch instructions retired": conditional and unconditional
// jumps, calls, returns, loops, interrupts, system calls and their returns.
// Prefixes are skipped; `bytes` holds up to 15 bytes of the instruction.
bool is_branch_instruction(std::span<const std::uint8_t> bytes);

}  // namespace vpmu
