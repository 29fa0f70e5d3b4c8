// `vpmu run --trace DIR`: one host trace for the whole run (DIR/host, the
// VMM's tracepoints, every VM), one guest trace per VM (DIR/guest, or
// DIR/guest.vmK with several VMs: what each guest's tracer hands over,
// written by vmm::GuestTracer). CTF 1.8; `vpmu sync` aligns them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "vmm/virtual_machine.h"
#include "vpmu/result.h"

namespace vpmu::trace {
class HostTrace;
}

namespace vpmu::cli {

class RunTrace {
public:
    // Starts the host trace in DIR/host, first removing what an earlier run
    // left in DIR/host and DIR/guest*; nothing when `dir` is empty. Call
    // before any vCPU thread starts.
    static Result<RunTrace> start(const std::string& dir, unsigned vms);
    RunTrace(RunTrace&&) noexcept;
    RunTrace& operator=(RunTrace&&) noexcept;
    ~RunTrace();

    // Where VM `vm`'s guest trace goes ("" without --trace).
    std::string guest_dir(unsigned vm) const;

    // After the VMs joined: stops the host trace and says on standard error
    // what each trace holds (and what went wrong). False on a write error.
    bool finish(const std::vector<vmm::VmReport>& reports);

private:
    RunTrace() = default;
    std::string dir_;
    unsigned vms_ = 1;
    std::unique_ptr<trace::HostTrace> host_;
};

}  // namespace vpmu::cli
