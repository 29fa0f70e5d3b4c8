// The VMM's exit handlers for one vCPU: port I/O to the VM's bus, PMU MSRs
// to this vCPU's Vpmu, and a failure with a reason for every exit that
// means the guest cannot go on. No KVM calls here: the run loop does those,
// so tests drive these handlers with synthetic exits.
#pragma once

#include "devices/port_bus.h"
#include "vmm/exit_dispatch.h"
#include "vmm/exit_stats.h"
#include "vpmu/vpmu.h"

namespace vpmu::vmm {

class VcpuExitHandler final : public ExitHandler {
public:
    VcpuExitHandler(dev::PortBus& bus, Vpmu& vpmu, unsigned vcpu, ExitStats& stats)
        : bus_(bus), vpmu_(vpmu), ctx_{vcpu}, stats_(stats) {}

    ExitAction handle(const kvm::IoExit& exit) override;
    ExitAction handle(const kvm::MsrExit& exit) override;
    ExitAction handle(const kvm::MmioExit& exit) override;
    ExitAction handle(const kvm::ShutdownExit& exit) override;
    ExitAction handle(const kvm::InternalErrorExit& exit) override;
    ExitAction handle(const kvm::FailEntryExit& exit) override;
    ExitAction handle(const kvm::DebugExit& exit) override;
    ExitAction handle(const kvm::HltExit& exit) override;
    ExitAction handle(const kvm::SystemEventExit& exit) override;
    ExitAction handle(const kvm::IrqWindowExit& exit) override;
    ExitAction handle(const kvm::InterruptedExit& exit) override;
    ExitAction handle(const kvm::RdpmcExit& exit) override;
    ExitAction handle(const kvm::UnknownExit& exit) override;

private:
    dev::PortBus& bus_;
    Vpmu& vpmu_;
    dev::IoContext ctx_;
    ExitStats& stats_;
};

}  // namespace vpmu::vmm
