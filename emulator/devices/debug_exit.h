// The debug-exit port (contract, DESIGN.md): a write of v to port 0xf4 ends
// the VM. v in 0..124 becomes the process exit status; anything larger is
// reserved for the VMM's own statuses and ends the run as a failure (127)
// that names the value. QEMU's isa-debug-exit would report (v << 1) | 1.
#pragma once

#include "devices/port_device.h"
#include "devices/vm_stop.h"

namespace vpmu::dev {

inline constexpr std::uint16_t kDebugExitPort = 0xf4;

class DebugExit final : public PortDevice {
public:
    explicit DebugExit(VmStop& stop) : stop_(stop) {}

    // Reads return all ones, as an empty ISA slot would.
    void read(std::uint16_t, std::span<std::uint8_t> data, const IoContext&) override {
        set_io_value(data, 0xffffffff);
    }
    void write(std::uint16_t offset, std::span<const std::uint8_t> data,
               const IoContext& ctx) override;

private:
    VmStop& stop_;
};

}  // namespace vpmu::dev
