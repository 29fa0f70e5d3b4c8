// Runs a set of started VMs to their end: waits for each VM's done event,
// enforces the --timeout deadline (stopping the VMs still running, which
// kicks their vCPUs out of KVM_RUN), and turns SIGINT/SIGTERM/SIGHUP into
// a clean stop so console files are flushed and statistics printed.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "kvm/fd.h"
#include "vmm/virtual_machine.h"
#include "vpmu/result.h"

namespace vpmu::vmm {

// Blocks the termination signals in the calling thread (and so in every
// thread it creates afterwards) and receives them through a signalfd.
// Create it before the VMs start; the old mask returns with its destruction.
class TerminationSignals {
public:
    static Result<std::unique_ptr<TerminationSignals>> block();
    ~TerminationSignals();
    TerminationSignals(const TerminationSignals&) = delete;
    TerminationSignals& operator=(const TerminationSignals&) = delete;

    int fd() const { return fd_.get(); }

private:
    TerminationSignals(kvm::Fd fd, sigset_t old) : fd_(std::move(fd)), old_mask_(old) {}
    kvm::Fd fd_;
    sigset_t old_mask_;
};

// Waits for every VM in `vms` (all started) and joins them. `timeout`:
// nullopt for none. `signals` may be null.
std::vector<VmReport> supervise(std::vector<std::unique_ptr<VirtualMachine>>& vms,
                                std::optional<std::chrono::duration<double>> timeout,
                                TerminationSignals* signals);

}  // namespace vpmu::vmm
