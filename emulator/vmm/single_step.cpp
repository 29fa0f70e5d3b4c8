#include "vmm/single_step.h"

#include <linux/kvm.h>

#include <algorithm>
#include <span>

namespace vpmu::vmm {
namespace {

constexpr std::uint64_t kPageSize = 4096;
constexpr std::uint64_t kDr6SingleStep = 1u << 14;  // DR6.BS
constexpr std::uint32_t kDebugVector = 1;           // #DB

}  // namespace

Result<void> SingleStepper::set_stepping(bool on) {
    kvm_guest_debug debug{};
    debug.control = on ? (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP) : 0;
    if (auto ok = vcpu_.set_guest_debug(debug); !ok) return ok;
    stepping_ = on;
    return {};
}

std::size_t SingleStepper::fetch(std::uint64_t rip, std::array<std::uint8_t, 15>& bytes) {
    std::size_t got = 0;
    while (got < bytes.size()) {
        const std::uint64_t linear = rip + got;
        auto t = vcpu_.translate(linear);
        if (!t || !t->valid) break;
        const std::uint64_t in_page = kPageSize - (linear % kPageSize);
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(in_page, bytes.size() - got));
        auto span = memory_.slice(Gpa{t->physical_address}, n);
        if (!span) break;
        std::copy(span->begin(), span->end(), bytes.begin() + static_cast<std::ptrdiff_t>(got));
        got += n;
    }
    return got;
}

// Whether the kernel instruction at hand (IRETQ with its frame at `rsp`, or
// SYSRET/SYSEXIT) drops to CPL3.
bool SingleStepper::returns_to_user(std::span<const std::uint8_t> insn, std::uint64_t rsp) {
    std::size_t i = 0;
    if (i < insn.size() && (insn[i] & 0xF0) == 0x40) ++i;  // REX
    if (i >= insn.size()) return false;
    if (insn[i] == 0x0F && i + 1 < insn.size()) return insn[i + 1] == 0x07 || insn[i + 1] == 0x35;
    if (insn[i] != 0xCF) return false;
    // IRET pops RIP, then CS: the CS selector's RPL is the new CPL.
    std::array<std::uint8_t, 15> frame{};
    if (fetch(rsp + 8, frame) < 2) return false;
    return (frame[0] & 3) == 3;
}

Result<RetiredInstruction> SingleStepper::inspect_next_instruction() {
    auto regs = vcpu_.get_regs();
    if (!regs) return regs.error();
    auto sregs = vcpu_.get_sregs();
    if (!sregs) return sregs.error();
    std::array<std::uint8_t, 15> bytes{};
    const std::size_t n = fetch(regs->rip, bytes);
    RetiredInstruction insn;
    insn.user_mode = sregs->cs.dpl != 0;
    insn.branch = is_branch_instruction(std::span(bytes.data(), n));
    if (entering_user_ && !insn.user_mode) {
        // The last step returned to user mode, yet the vCPU is back in the
        // kernel: its user code ran without single-step exits (PVM does not
        // single-step CPL3), and so did the first kernel instruction after
        // the entry from user mode (the next exit comes after it). That
        // breaks OS-only counters too: counting on would pass a wrong count
        // off as real.
        return make_error("guest user-mode code ran while a single-stepped counter was enabled, and this host's "
                          "KVM does not single-step CPL3 (user code, and the first kernel instruction after each "
                          "entry from it, run without step exits): the precise backend cannot count exactly across "
                          "user code here, whatever the counter's USR/OS bits; stop instruction and branch counters "
                          "before running user code, or use a VMX/SVM host");
    }
    entering_user_ = !insn.user_mode && returns_to_user(std::span(bytes.data(), n), regs->rsp);
    return insn;
}

Result<void> SingleStepper::before_entry() {
    const bool want = backend_.wants_single_step();
    if (want != stepping_) {
        if (auto ok = set_stepping(want); !ok) return ok;
    }
    if (!stepping_) return {};
    auto next = inspect_next_instruction();
    if (!next) return next.error();
    next_ = *next;
    return {};
}

bool SingleStepper::on_debug_exit(const kvm::DebugExit& exit) {
    if (!stepping_) return false;
    if (!(exit.dr6 & kDr6SingleStep) && exit.exception != kDebugVector) return false;
    backend_.retire(next_);
    ++steps_;
    return true;
}

}  // namespace vpmu::vmm
