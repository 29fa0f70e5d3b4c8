// A vCPU exit as a value (STYLE.md habit 2, rust-vmm's VcpuExit): the run
// wrapper decodes kvm_run into one of these types and attaches no policy.
// Exits that take a reply (port input, MSR read) point at the reply slots
// in kvm_run; tests point them at their own buffers instead.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

#include "vpmu/msr.h"

struct kvm_run;

namespace vpmu::kvm {

enum class IoDirection : std::uint8_t { in, out };

// Port I/O: `count` items of `size` bytes, packed back to back in `data`
// (count > 1 for string instructions such as `rep outsb`).
struct IoExit {
    std::uint16_t port = 0;
    std::uint8_t size = 1;
    IoDirection direction = IoDirection::out;
    std::uint32_t count = 1;
    std::span<std::uint8_t> data;  // size * count bytes; fill it for `in`
};

enum class MsrDirection : std::uint8_t { read, write };

// RDMSR/WRMSR the kernel sent to userspace (KVM_CAP_X86_USER_SPACE_MSR).
struct MsrExit {
    MsrDirection direction = MsrDirection::read;
    MsrIndex index{0};
    std::uint32_t reason = 0;  // KVM_MSR_EXIT_REASON_*
    std::uint64_t* data = nullptr;  // write: the value; read: where the value goes
    std::uint8_t* error = nullptr;  // set to 1 to inject #GP(0)

    std::uint64_t value() const { return *data; }
    void reply(std::uint64_t v) const { *data = v; *error = 0; }
    void fault() const { *error = 1; }
};

struct MmioExit {
    std::uint64_t gpa = 0;
    bool is_write = false;
    std::span<std::uint8_t> data;
};

// KVM_EXIT_SHUTDOWN: on x86 a triple fault.
struct ShutdownExit {};

// KVM_EXIT_INTERNAL_ERROR, e.g. KVM_INTERNAL_ERROR_EMULATION (suberror 1).
struct InternalErrorExit {
    std::uint32_t suberror = 0;
    std::uint32_t ndata = 0;
    std::array<std::uint64_t, 4> data{};  // the first words KVM reported
};

// KVM_EXIT_FAIL_ENTRY: the hardware refused VM-entry.
struct FailEntryExit {
    std::uint64_t reason = 0;
    std::uint32_t cpu = 0;
};

// KVM_EXIT_DEBUG (guest debugging: single-step, hardware breakpoints).
struct DebugExit {
    std::uint32_t exception = 0;
    std::uint64_t pc = 0;
    std::uint64_t dr6 = 0;
    std::uint64_t dr7 = 0;
};

struct HltExit {};

// RDPMC forwarded to userspace (KVM_EXIT_X86_RDPMC of kvm-patches/: only
// on hosts carrying that series). ECX as the guest gave it.
struct RdpmcExit {
    std::uint32_t ecx = 0;
    std::uint64_t* data = nullptr;  // EDX:EAX for the guest
    std::uint8_t* error = nullptr;  // set to 1 to inject #GP(0)

    void reply(std::uint64_t v) const { *data = v; *error = 0; }
    void fault() const { *error = 1; }
};

// KVM_EXIT_SYSTEM_EVENT (KVM_SYSTEM_EVENT_SHUTDOWN, _RESET, _CRASH, ...).
struct SystemEventExit {
    std::uint32_t type = 0;
};

// KVM_EXIT_IRQ_WINDOW_OPEN: the guest can take an interrupt now (only after
// the VMM asked with request_interrupt_window).
struct IrqWindowExit {};

// KVM_RUN returned EINTR (a signal, or immediate_exit), or KVM_EXIT_INTR.
struct InterruptedExit {};

// An exit reason this wrapper does not decode.
struct UnknownExit {
    std::uint32_t reason = 0;
};

using VcpuExit = std::variant<IoExit, MsrExit, MmioExit, ShutdownExit, InternalErrorExit,
                              FailEntryExit, DebugExit, HltExit, SystemEventExit, IrqWindowExit,
                              InterruptedExit, RdpmcExit, UnknownExit>;

// Decodes the exit KVM left in `run` after a successful KVM_RUN.
VcpuExit decode_exit(kvm_run& run);

// Names for messages and statistics.
std::string_view exit_reason_name(std::uint32_t kvm_exit_reason);
std::string_view internal_error_name(std::uint32_t suberror);

}  // namespace vpmu::kvm
