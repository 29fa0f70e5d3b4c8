#include "devices/debug_exit.h"

#include <string>

namespace vpmu::dev {

void DebugExit::write(std::uint16_t, std::span<const std::uint8_t> data, const IoContext& ctx) {
    const std::uint32_t value = io_value(data);
    if (value <= static_cast<std::uint32_t>(kMaxGuestStatus)) {
        stop_.request(VmOutcome::guest_exit(static_cast<int>(value)));
        return;
    }
    stop_.request(VmOutcome::failure(
        "guest on vcpu" + std::to_string(ctx.vcpu) + " wrote " + std::to_string(value) +
        " to the debug-exit port 0xf4; statuses above " + std::to_string(kMaxGuestStatus) +
        " are the VMM's"));
}

}  // namespace vpmu::dev
