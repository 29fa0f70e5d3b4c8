#include "devices/hypercall.h"

#include <time.h>

namespace vpmu::dev {
namespace {

// The calling thread's CPU time in microseconds, modulo 2^32. Device
// handlers run on the vCPU thread that made the access.
std::uint32_t thread_cpu_us() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    const auto us = static_cast<std::uint64_t>(ts.tv_sec) * 1000000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
    return static_cast<std::uint32_t>(us);
}

}  // namespace
}  // namespace vpmu::dev

namespace vpmu::dev {

HypercallDevice::HypercallDevice(unsigned vcpus)
    : vcpus_(vcpus == 0 ? 1 : vcpus) {
    // Built-in commands; the numbers are fixed, so failure is impossible.
    (void)add_command(hypercall::kPing, "ping",
                      [](const HypercallArgs&) { return kHypercallPingReply; });
    (void)add_command(hypercall::kTscKhz, "tsc_khz",
                      [this](const HypercallArgs&) { return tsc_khz_; });
    (void)add_command(hypercall::kCpuUs, "cpu_us", [](const HypercallArgs&) { return thread_cpu_us(); });
}

Result<void> HypercallDevice::add_command(std::uint32_t number, std::string name,
                                          Handler handler) {
    if (commands_.count(number) != 0) {
        return make_error("hypercall " + std::to_string(number) + " ('" + name +
                          "') is taken by '" + commands_[number].name + "'");
    }
    commands_[number] = Command{std::move(name), std::move(handler), 0};
    return {};
}

HypercallDevice::VcpuRegisters& HypercallDevice::registers(const IoContext& ctx) {
    // A vCPU index beyond the table would be a VMM bug; fold it rather than crash.
    return vcpus_[ctx.vcpu % vcpus_.size()];
}

void HypercallDevice::read(std::uint16_t offset, std::span<std::uint8_t> data,
                           const IoContext& ctx) {
    VcpuRegisters& regs = registers(ctx);
    const unsigned reg = offset / 4;
    set_io_value(data, reg == 0 ? regs.result : regs.args.arg[reg - 1]);
}

void HypercallDevice::write(std::uint16_t offset, std::span<const std::uint8_t> data,
                            const IoContext& ctx) {
    VcpuRegisters& regs = registers(ctx);
    const unsigned reg = offset / 4;
    const std::uint32_t value = io_value(data);
    if (reg != 0) {
        regs.args.arg[reg - 1] = value;
        return;
    }
    regs.args.vcpu = ctx.vcpu;
    auto command = commands_.find(value);
    if (command == commands_.end()) {
        ++unknown_calls_;
        regs.result = kHypercallUnknown;
        return;
    }
    ++command->second.calls;
    regs.result = command->second.handler(regs.args);
}

std::vector<HypercallDevice::CommandStats> HypercallDevice::stats() const {
    std::vector<CommandStats> out;
    for (const auto& [number, command] : commands_) out.push_back({command.name, command.calls});
    out.push_back({"unknown", unknown_calls_});
    return out;
}

}  // namespace vpmu::dev
