#include "vmm/exit_dispatch.h"

#include <array>

namespace vpmu::vmm {

namespace {
// In the order of kvm::VcpuExit's alternatives.
constexpr std::array<const char*, 13> kExitKindNames{
    "io",   "msr", "mmio",         "shutdown",   "internal_error", "fail_entry", "debug",
    "hlt",  "system_event", "irq_window", "interrupted", "rdpmc", "unknown",
};
static_assert(kExitKindNames.size() == std::variant_size_v<kvm::VcpuExit>);
}  // namespace

const char* exit_kind_name(std::size_t variant_index) {
    return variant_index < kExitKindNames.size() ? kExitKindNames[variant_index] : "?";
}

}  // namespace vpmu::vmm
