// What the vpmu_vcpu_exit tracepoint records for an exit: the KVM_EXIT_*
// reason and the one detail that says most about it (trace/events.h).
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <variant>

#include "kvm/exit.h"

namespace vpmu::vmm {

struct ExitTraceFields {
    std::uint32_t reason = 0;  // KVM_EXIT_*
    std::uint64_t info = 0;    // port, MSR index, GPA, RIP, suberror, ... (per reason)
};

// KVM_EXIT_X86_RDPMC of kvm-patches/0003 (vpmu_kvm_rdpmc.h asserts the number).
inline constexpr std::uint32_t kTraceExitRdpmc = 38;

inline ExitTraceFields exit_trace_fields(const kvm::VcpuExit& exit) {
    struct Visitor {
        ExitTraceFields operator()(const kvm::IoExit& e) const { return {KVM_EXIT_IO, e.port}; }
        ExitTraceFields operator()(const kvm::MsrExit& e) const {
            return {e.direction == kvm::MsrDirection::read ? std::uint32_t{KVM_EXIT_X86_RDMSR}
                                                           : std::uint32_t{KVM_EXIT_X86_WRMSR},
                    e.index.value};
        }
        ExitTraceFields operator()(const kvm::MmioExit& e) const { return {KVM_EXIT_MMIO, e.gpa}; }
        ExitTraceFields operator()(const kvm::ShutdownExit&) const { return {KVM_EXIT_SHUTDOWN, 0}; }
        ExitTraceFields operator()(const kvm::InternalErrorExit& e) const {
            return {KVM_EXIT_INTERNAL_ERROR, e.suberror};
        }
        ExitTraceFields operator()(const kvm::FailEntryExit& e) const { return {KVM_EXIT_FAIL_ENTRY, e.reason}; }
        ExitTraceFields operator()(const kvm::DebugExit& e) const { return {KVM_EXIT_DEBUG, e.pc}; }
        ExitTraceFields operator()(const kvm::HltExit&) const { return {KVM_EXIT_HLT, 0}; }
        ExitTraceFields operator()(const kvm::SystemEventExit& e) const { return {KVM_EXIT_SYSTEM_EVENT, e.type}; }
        ExitTraceFields operator()(const kvm::IrqWindowExit&) const { return {KVM_EXIT_IRQ_WINDOW_OPEN, 0}; }
        ExitTraceFields operator()(const kvm::InterruptedExit&) const { return {KVM_EXIT_INTR, 0}; }
        ExitTraceFields operator()(const kvm::RdpmcExit& e) const { return {kTraceExitRdpmc, e.ecx}; }
        ExitTraceFields operator()(const kvm::UnknownExit& e) const { return {e.reason, 0}; }
    };
    return std::visit(Visitor{}, exit);
}

}  // namespace vpmu::vmm
