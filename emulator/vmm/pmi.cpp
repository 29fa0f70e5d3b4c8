#include "vmm/pmi.h"

#include <algorithm>
#include <cstring>

#include "trace/tracepoints.h"

namespace vpmu::vmm {
namespace {

// LVT delivery modes, bits 10:8.
constexpr std::uint32_t kModeFixed = 0b000;
constexpr std::uint32_t kModeNmi = 0b100;
// MSI address of the local APICs; destination APIC ID in bits 19:12.
constexpr std::uint64_t kMsiAddressBase = 0xFEE00000;

}  // namespace

LvtpcAction decode_lvtpc(std::uint32_t lvtpc) {
    if (lvtpc & kLvtMasked) return {LvtpcAction::Kind::masked, 0};
    const std::uint32_t mode = (lvtpc >> 8) & 0x7;
    const auto vector = static_cast<std::uint8_t>(lvtpc & 0xFF);
    if (mode == kModeNmi) return {LvtpcAction::Kind::nmi, 0};
    // Vectors 0-15 are illegal for fixed delivery (the APIC would flag a
    // send/receive-illegal-vector error instead).
    if (mode == kModeFixed && vector >= 16) return {LvtpcAction::Kind::fixed, vector};
    return {LvtpcAction::Kind::unsupported, vector};
}

std::uint32_t lapic_register(const kvm_lapic_state& lapic, unsigned offset) {
    std::uint32_t value;
    std::memcpy(&value, lapic.regs + offset, sizeof value);
    return value;
}

void set_lapic_register(kvm_lapic_state& lapic, unsigned offset, std::uint32_t value) {
    std::memcpy(lapic.regs + offset, &value, sizeof value);
}

void PmiStats::record_injection(std::uint64_t ns) {
    ++injected;
    inject_ns += ns;
    inject_max_ns = std::max(inject_max_ns, ns);
}

void PmiStats::merge(const PmiStats& o) {
    nmi += o.nmi;
    vector += o.vector;
    masked += o.masked;
    unsupported += o.unsupported;
    throttled += o.throttled;
    throttled_ns += o.throttled_ns;
    injected += o.injected;
    inject_ns += o.inject_ns;
    inject_max_ns = std::max(inject_max_ns, o.inject_max_ns);
}

PmiRateLimit::PmiRateLimit(std::uint32_t max_per_second)
    : per_window_(max_per_second == 0 ? 0 : std::max<std::uint32_t>(1, max_per_second / 1000)) {}

PmiRateLimit::Clock::duration PmiRateLimit::admit(Clock::time_point now) {
    constexpr auto kWindow = std::chrono::milliseconds(1);
    if (per_window_ == 0) return {};
    if (now - window_start_ >= kWindow) {
        window_start_ = now;
        in_window_ = 0;
    }
    if (in_window_ < per_window_) {
        ++in_window_;
        return {};
    }
    // Full: this PMI opens the next window.
    const Clock::time_point next = window_start_ + kWindow;
    window_start_ = next;
    in_window_ = 1;
    return next - now;
}

Result<bool> deliver_pmi(kvm::Vm& vm, kvm::Vcpu& vcpu, PmiStats& stats, std::uint64_t global_status) {
    auto lapic = vcpu.get_lapic();
    if (!lapic) return lapic.error();
    const std::uint32_t lvtpc = lapic_register(*lapic, kLvtpcOffset);
    const LvtpcAction action = decode_lvtpc(lvtpc);
    switch (action.kind) {
    case LvtpcAction::Kind::masked:
        ++stats.masked;
        return false;
    case LvtpcAction::Kind::unsupported:
        ++stats.unsupported;
        return false;
    case LvtpcAction::Kind::nmi:
    case LvtpcAction::Kind::fixed:
        break;
    }
    // Mask first, then deliver: KVM_SET_LAPIC rewrites the whole register
    // page, so writing it after the message would drop the request bit the
    // message just set.
    set_lapic_register(*lapic, kLvtpcOffset, lvtpc | kLvtMasked);
    if (auto ok = vcpu.set_lapic(*lapic); !ok) return ok.error();
    if (action.kind == LvtpcAction::Kind::nmi) {
        if (auto ok = vcpu.nmi(); !ok) return ok.error();
        ++stats.nmi;
        trace::tp::pmi_inject(vcpu.id(), true, 0, global_status);
        return true;
    }
    const std::uint32_t apic_id = lapic_register(*lapic, kApicIdOffset) >> 24;
    // Fixed delivery, edge-triggered, physical destination: data = vector.
    if (auto ok = vm.signal_msi(kMsiAddressBase | std::uint64_t{apic_id} << 12, action.vector); !ok) {
        return ok.error();
    }
    ++stats.vector;
    trace::tp::pmi_inject(vcpu.id(), false, action.vector, global_status);
    return true;
}

}  // namespace vpmu::vmm
