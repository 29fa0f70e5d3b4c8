// Drives the precise backend: while a stepped counter (instructions or
// branches retired) runs, the vCPU executes one instruction per KVM_RUN
// (KVM_GUESTDBG_SINGLESTEP) and each step tells the backend what retired:
// the instruction's ring (CS.DPL before the step) and whether it was a
// branch (decoded from its bytes at RIP). An overflow therefore happens at
// exactly the N-th event and its PMI is injected before the next one.
//
// On PVM hosts single-stepping reaches guest kernel code only: user code
// runs without debug exits, and so does the first kernel instruction after
// each entry from user mode (measured: after an IRETQ to CPL3 the next step
// exit comes with RIP past the first instruction of the exception stub).
// The stepper notices (a return to CPL3 followed by a step back in the
// kernel) and fails the run with that reason rather than report counts
// that miss instructions -- user-mode ones, or that kernel one, which an
// OS-only counter would miss too.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "boot/guest_memory.h"
#include "kvm/exit.h"
#include "kvm/vcpu.h"
#include "vpmu/precise_backend.h"
#include "vpmu/result.h"

namespace vpmu::vmm {

class SingleStepper {
public:
    SingleStepper(kvm::Vcpu& vcpu, GuestMemory& memory, PreciseBackend& backend)
        : vcpu_(vcpu), memory_(memory), backend_(backend) {}

    // Before KVM_RUN: switch single-stepping on or off as the backend wants
    // and, when on, note the instruction about to execute.
    Result<void> before_entry();

    // A debug exit: true when it was our single step (the noted instruction
    // retired and the backend was told); false when it is not ours.
    bool on_debug_exit(const kvm::DebugExit& exit);

    std::uint64_t steps() const { return steps_; }

private:
    Result<void> set_stepping(bool on);
    Result<RetiredInstruction> inspect_next_instruction();
    // Up to 15 bytes at guest-linear `rip`, page by page through KVM_TRANSLATE.
    std::size_t fetch(std::uint64_t rip, std::array<std::uint8_t, 15>& bytes);
    bool returns_to_user(std::span<const std::uint8_t> insn, std::uint64_t rsp);

    kvm::Vcpu& vcpu_;
    GuestMemory& memory_;
    PreciseBackend& backend_;
    bool stepping_ = false;
    bool entering_user_ = false;  // the instruction being stepped returns to CPL3
    RetiredInstruction next_;
    std::uint64_t steps_ = 0;
};

}  // namespace vpmu::vmm
