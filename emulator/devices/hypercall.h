// The hypercall port: guest-to-host calls over port I/O (`vmcall` hangs on
// the PVM hosts this project runs on, and port I/O works everywhere).
//
// Guest ABI (all registers 32 bits wide, accessed with 32-bit IN/OUT):
//   0x600  CMD    OUT: run command number v with this vCPU's ARG0..ARG2.
//                 IN:  the result of this vCPU's last command.
//   0x604  ARG0   argument registers, per vCPU; IN reads them back
//   0x608  ARG1
//   0x60c  ARG2
// Unknown commands return kHypercallUnknown (0xffffffff).
//
// Commands (extend with add_command; numbers are part of the guest ABI):
//   0  ping     returns kHypercallPingReply ("VPMU" as little-endian bytes):
//               a guest can tell it runs under this VMM
//   1  tsc_khz  returns the guest TSC frequency in kHz (0 if unknown), so
//               guests can turn RDTSC deltas into time
//   2  cpu_us   returns the host CPU time of the calling vCPU's thread in
//               microseconds, modulo 2^32: how long this vCPU really ran
//               (what the time backend's cycles count), next to the TSC's
//               wall time
//   0x20-0x2f   tracing: trace_info, trace_sync (the vmsync_* exchange),
//               trace_flush (the guest's trace buffers); vmm/guest_trace.h
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "devices/port_device.h"
#include "vpmu/result.h"

namespace vpmu::dev {

inline constexpr std::uint16_t kHypercallPort = 0x600;
inline constexpr std::uint32_t kHypercallPorts = 16;
inline constexpr std::uint32_t kHypercallUnknown = 0xffffffff;
inline constexpr std::uint32_t kHypercallPingReply = 0x554d5056;  // "VPMU"

namespace hypercall {
inline constexpr std::uint32_t kPing = 0;
inline constexpr std::uint32_t kTscKhz = 1;
inline constexpr std::uint32_t kCpuUs = 2;
}  // namespace hypercall

struct HypercallArgs {
    unsigned vcpu = 0;
    std::array<std::uint32_t, 3> arg{};
};

class HypercallDevice final : public PortDevice {
public:
    using Handler = std::function<std::uint32_t(const HypercallArgs&)>;

    // `vcpus`: number of vCPUs (per-vCPU argument/result registers).
    explicit HypercallDevice(unsigned vcpus);
    // Built-in commands capture `this`.
    HypercallDevice(const HypercallDevice&) = delete;
    HypercallDevice& operator=(const HypercallDevice&) = delete;

    void set_tsc_khz(std::uint32_t khz) { tsc_khz_ = khz; }

    // Registers a command; numbers may not be reused.
    Result<void> add_command(std::uint32_t number, std::string name, Handler handler);

    void read(std::uint16_t offset, std::span<std::uint8_t> data, const IoContext& ctx) override;
    void write(std::uint16_t offset, std::span<const std::uint8_t> data,
               const IoContext& ctx) override;

    struct CommandStats {
        std::string name;
        std::uint64_t calls = 0;
    };
    // Calls per command, and calls of unknown commands under "unknown".
    std::vector<CommandStats> stats() const;

private:
    struct Command {
        std::string name;
        Handler handler;
        std::uint64_t calls = 0;
    };
    struct VcpuRegisters {
        HypercallArgs args;
        std::uint32_t result = 0;
    };
    VcpuRegisters& registers(const IoContext& ctx);

    std::map<std::uint32_t, Command> commands_;
    std::vector<VcpuRegisters> vcpus_;
    std::uint64_t unknown_calls_ = 0;
    std::uint32_t tsc_khz_ = 0;
};

}  // namespace vpmu::dev
