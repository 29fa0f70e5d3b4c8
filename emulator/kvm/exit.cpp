#include "kvm/exit.h"

#include <linux/kvm.h>

#include <algorithm>

#include "vpmu_kvm_rdpmc.h"

namespace vpmu::kvm {

namespace {

IoExit decode_io(kvm_run& run) {
    // KVM places the data inside the kvm_run mapping at data_offset.
    auto* base = reinterpret_cast<std::uint8_t*>(&run) + run.io.data_offset;
    IoExit io;
    io.port = run.io.port;
    io.size = run.io.size;
    io.direction = run.io.direction == KVM_EXIT_IO_IN ? IoDirection::in : IoDirection::out;
    io.count = run.io.count;
    io.data = {base, static_cast<std::size_t>(run.io.size) * run.io.count};
    return io;
}

MsrExit decode_msr(kvm_run& run, MsrDirection direction) {
    MsrExit msr;
    msr.direction = direction;
    msr.index = MsrIndex{run.msr.index};
    msr.reason = run.msr.reason;
    msr.data = reinterpret_cast<std::uint64_t*>(&run.msr.data);
    msr.error = &run.msr.error;
    return msr;
}

RdpmcExit decode_rdpmc(kvm_run& run) {
    namespace rdpmc = kvm_rdpmc;
    auto* area = reinterpret_cast<std::uint8_t*>(&run) + rdpmc::kExitUnionOffset;
    RdpmcExit e;
    e.ecx = *rdpmc::rdpmc_index(run);
    e.data = reinterpret_cast<std::uint64_t*>(area + rdpmc::Layout::data);
    e.error = area + rdpmc::Layout::error;
    return e;
}

InternalErrorExit decode_internal_error(const kvm_run& run) {
    InternalErrorExit e;
    e.suberror = run.internal.suberror;
    e.ndata = run.internal.ndata;
    const std::size_t n = std::min<std::size_t>(run.internal.ndata, e.data.size());
    std::copy_n(run.internal.data, n, e.data.begin());
    return e;
}

}  // namespace

VcpuExit decode_exit(kvm_run& run) {
    switch (run.exit_reason) {
        case KVM_EXIT_IO: return decode_io(run);
        case KVM_EXIT_X86_RDMSR: return decode_msr(run, MsrDirection::read);
        case KVM_EXIT_X86_WRMSR: return decode_msr(run, MsrDirection::write);
        case KVM_EXIT_MMIO: {
            MmioExit m;
            m.gpa = run.mmio.phys_addr;
            m.is_write = run.mmio.is_write != 0;
            m.data = {run.mmio.data, std::min<std::size_t>(run.mmio.len, sizeof run.mmio.data)};
            return m;
        }
        case KVM_EXIT_SHUTDOWN: return ShutdownExit{};
        case KVM_EXIT_INTERNAL_ERROR: return decode_internal_error(run);
        case KVM_EXIT_FAIL_ENTRY:
            return FailEntryExit{run.fail_entry.hardware_entry_failure_reason, run.fail_entry.cpu};
        case KVM_EXIT_DEBUG:
            return DebugExit{run.debug.arch.exception, run.debug.arch.pc, run.debug.arch.dr6,
                             run.debug.arch.dr7};
        case KVM_EXIT_HLT: return HltExit{};
        case KVM_EXIT_SYSTEM_EVENT: return SystemEventExit{run.system_event.type};
        case KVM_EXIT_IRQ_WINDOW_OPEN: return IrqWindowExit{};
        case KVM_EXIT_INTR: return InterruptedExit{};
        case kvm_rdpmc::kExitX86Rdpmc: return decode_rdpmc(run);
        default: return UnknownExit{run.exit_reason};
    }
}

std::string_view exit_reason_name(std::uint32_t reason) {
    switch (reason) {
        case KVM_EXIT_UNKNOWN: return "KVM_EXIT_UNKNOWN";
        case KVM_EXIT_EXCEPTION: return "KVM_EXIT_EXCEPTION";
        case KVM_EXIT_IO: return "KVM_EXIT_IO";
        case KVM_EXIT_HYPERCALL: return "KVM_EXIT_HYPERCALL";
        case KVM_EXIT_DEBUG: return "KVM_EXIT_DEBUG";
        case KVM_EXIT_HLT: return "KVM_EXIT_HLT";
        case KVM_EXIT_MMIO: return "KVM_EXIT_MMIO";
        case KVM_EXIT_IRQ_WINDOW_OPEN: return "KVM_EXIT_IRQ_WINDOW_OPEN";
        case KVM_EXIT_SHUTDOWN: return "KVM_EXIT_SHUTDOWN";
        case KVM_EXIT_FAIL_ENTRY: return "KVM_EXIT_FAIL_ENTRY";
        case KVM_EXIT_INTR: return "KVM_EXIT_INTR";
        case KVM_EXIT_SET_TPR: return "KVM_EXIT_SET_TPR";
        case KVM_EXIT_TPR_ACCESS: return "KVM_EXIT_TPR_ACCESS";
        case KVM_EXIT_NMI: return "KVM_EXIT_NMI";
        case KVM_EXIT_INTERNAL_ERROR: return "KVM_EXIT_INTERNAL_ERROR";
        case KVM_EXIT_SYSTEM_EVENT: return "KVM_EXIT_SYSTEM_EVENT";
        case KVM_EXIT_X86_RDMSR: return "KVM_EXIT_X86_RDMSR";
        case KVM_EXIT_X86_WRMSR: return "KVM_EXIT_X86_WRMSR";
        case KVM_EXIT_X86_BUS_LOCK: return "KVM_EXIT_X86_BUS_LOCK";
        default: return "unknown KVM exit reason";
    }
}

std::string_view internal_error_name(std::uint32_t suberror) {
    switch (suberror) {
        case KVM_INTERNAL_ERROR_EMULATION: return "emulation failure";
        case KVM_INTERNAL_ERROR_SIMUL_EX: return "exception while delivering an exception";
        case KVM_INTERNAL_ERROR_DELIVERY_EV: return "exit while delivering an event";
        case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON: return "unexpected exit reason";
        default: return "unknown suberror";
    }
}

}  // namespace vpmu::kvm
