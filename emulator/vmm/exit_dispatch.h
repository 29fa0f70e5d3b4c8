// Exit dispatch (STYLE.md habit 2): a free function hands each exit value to
// the handler overload for its kind. It only delegates, so tests drive the
// VMM's real handlers with synthetic exits, and a new exit kind in VcpuExit
// does not compile until every handler has an overload for it.
#pragma once

#include <string>
#include <variant>

#include "kvm/exit.h"

namespace vpmu::vmm {

// Keep running the vCPU.
struct Resume {
    friend bool operator==(Resume, Resume) = default;
};
// This vCPU cannot go on: the VM fails with `reason` (the run loop adds the
// VM, vCPU and RIP).
struct Fail {
    std::string reason;
    friend bool operator==(const Fail&, const Fail&) = default;
};
using ExitAction = std::variant<Resume, Fail>;

class ExitHandler {
public:
    virtual ~ExitHandler() = default;
    virtual ExitAction handle(const kvm::IoExit& exit) = 0;
    virtual ExitAction handle(const kvm::MsrExit& exit) = 0;
    virtual ExitAction handle(const kvm::MmioExit& exit) = 0;
    virtual ExitAction handle(const kvm::ShutdownExit& exit) = 0;
    virtual ExitAction handle(const kvm::InternalErrorExit& exit) = 0;
    virtual ExitAction handle(const kvm::FailEntryExit& exit) = 0;
    virtual ExitAction handle(const kvm::DebugExit& exit) = 0;
    virtual ExitAction handle(const kvm::HltExit& exit) = 0;
    virtual ExitAction handle(const kvm::SystemEventExit& exit) = 0;
    virtual ExitAction handle(const kvm::IrqWindowExit& exit) = 0;
    virtual ExitAction handle(const kvm::InterruptedExit& exit) = 0;
    virtual ExitAction handle(const kvm::RdpmcExit& exit) = 0;
    virtual ExitAction handle(const kvm::UnknownExit& exit) = 0;
};

inline ExitAction dispatch_exit(const kvm::VcpuExit& exit, ExitHandler& handler) {
    return std::visit([&handler](const auto& e) { return handler.handle(e); }, exit);
}

// Short names of the exit kinds, indexed like VcpuExit's alternatives.
const char* exit_kind_name(std::size_t variant_index);
inline const char* exit_kind_name(const kvm::VcpuExit& exit) {
    return exit_kind_name(exit.index());
}

}  // namespace vpmu::vmm
