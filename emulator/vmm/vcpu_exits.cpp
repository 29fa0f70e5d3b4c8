#include "vmm/vcpu_exits.h"

#include <linux/kvm.h>

#include <string>

#include "trace/tracepoints.h"
#include "vpmu/hex.h"

namespace vpmu::vmm {

ExitAction VcpuExitHandler::handle(const kvm::IoExit& exit) {
    // String I/O (`rep outsb`) arrives as `count` items back to back.
    for (std::uint32_t i = 0; i < exit.count; ++i) {
        auto item = exit.data.subspan(std::size_t{i} * exit.size, exit.size);
        const bool claimed = exit.direction == kvm::IoDirection::in
                                 ? bus_.read(exit.port, item, ctx_)
                                 : bus_.write(exit.port, item, ctx_);
        if (!claimed) ++stats_.unclaimed_io;
    }
    stats_.io_ports[exit.port] += exit.count;
    return Resume{};
}

ExitAction VcpuExitHandler::handle(const kvm::MsrExit& exit) {
    MsrStats& counts = stats_.msrs[exit.index.value];
    const bool read = exit.direction == kvm::MsrDirection::read;
    ++(read ? counts.reads : counts.writes);
    // The filter only sends the MSRs the model owns here; anything else gets the #GP the
    // kernel would give an MSR it does not know.
    if (!msr::is_owned_msr(exit.index)) {
        ++stats_.non_pmu_msr;
        ++counts.faults;
        exit.fault();
        trace::tp::msr_access(ctx_.vcpu, exit.index.value, read ? 0 : exit.value(), !read, true);
        return Resume{};
    }
    if (read) {
        const std::optional<std::uint64_t> value = vpmu_.rdmsr(exit.index);
        if (value) {
            exit.reply(*value);
        } else {
            ++counts.faults;
            exit.fault();
        }
        trace::tp::msr_access(ctx_.vcpu, exit.index.value, value.value_or(0), false, !value);
        return Resume{};
    }
    const bool ok = vpmu_.wrmsr(exit.index, exit.value()) == Access::ok;
    if (ok) {
        *exit.error = 0;
    } else {
        ++counts.faults;
        exit.fault();
    }
    trace::tp::msr_access(ctx_.vcpu, exit.index.value, exit.value(), true, !ok);
    return Resume{};
}

ExitAction VcpuExitHandler::handle(const kvm::MmioExit& exit) {
    // Guest RAM is the only memory; a guest touching anything else has a
    // wild pointer, and stopping it there is easier to debug than all-ones.
    return Fail{std::string("MMIO ") + (exit.is_write ? "write to" : "read of") +
                " unbacked guest-physical address " + to_hex(exit.gpa) + " (" +
                std::to_string(exit.data.size()) + " bytes)"};
}

ExitAction VcpuExitHandler::handle(const kvm::ShutdownExit&) {
    return Fail{"triple fault (KVM_EXIT_SHUTDOWN)"};
}

ExitAction VcpuExitHandler::handle(const kvm::InternalErrorExit& exit) {
    return Fail{std::string("KVM internal error: ") +
                std::string(kvm::internal_error_name(exit.suberror)) + " (suberror " +
                std::to_string(exit.suberror) + ")"};
}

ExitAction VcpuExitHandler::handle(const kvm::FailEntryExit& exit) {
    return Fail{"VM-entry failed (KVM_EXIT_FAIL_ENTRY, hardware reason " + to_hex(exit.reason) +
                ")"};
}

ExitAction VcpuExitHandler::handle(const kvm::DebugExit& exit) {
    // Guest debugging is not enabled yet; a debug exit means something is off.
    return Fail{"unexpected debug exit (KVM_EXIT_DEBUG, exception " +
                std::to_string(exit.exception) + ", pc " + to_hex(exit.pc) + ")"};
}

ExitAction VcpuExitHandler::handle(const kvm::HltExit&) {
    // With the in-kernel local APIC KVM keeps HLT to itself; seeing one
    // means nothing can wake the vCPU.
    return Fail{"guest halted (KVM_EXIT_HLT); end guests through port 0xf4"};
}

ExitAction VcpuExitHandler::handle(const kvm::SystemEventExit& exit) {
    const char* kind = exit.type == KVM_SYSTEM_EVENT_SHUTDOWN ? "shutdown"
                       : exit.type == KVM_SYSTEM_EVENT_RESET  ? "reset"
                       : exit.type == KVM_SYSTEM_EVENT_CRASH  ? "crash"
                                                              : "other";
    return Fail{std::string("guest requested a system ") + kind +
                " (KVM_EXIT_SYSTEM_EVENT type " + std::to_string(exit.type) + ")"};
}

ExitAction VcpuExitHandler::handle(const kvm::IrqWindowExit&) {
    return Resume{};  // only requested by PMI delivery, which re-checks before entry
}

ExitAction VcpuExitHandler::handle(const kvm::InterruptedExit&) {
    return Resume{};  // a kick: the run loop checks for a stop before re-entry
}

ExitAction VcpuExitHandler::handle(const kvm::RdpmcExit& exit) {
    // KVM checked CR4.PCE and the CPL before forwarding; the model decides
    // which counters exist.
    ++stats_.rdpmc;
    if (auto value = vpmu_.rdpmc(exit.ecx)) {
        exit.reply(*value);
    } else {
        ++stats_.rdpmc_faults;
        exit.fault();
    }
    return Resume{};
}

ExitAction VcpuExitHandler::handle(const kvm::UnknownExit& exit) {
    return Fail{"unhandled exit " + std::string(kvm::exit_reason_name(exit.reason)) +
                " (exit reason " + std::to_string(exit.reason) + ")"};
}

}  // namespace vpmu::vmm
