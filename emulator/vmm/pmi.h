// PMI delivery through the guest's local APIC (SDM Vol. 3A 11.5.1, the LVT
// performance-counter entry; Vol. 3B 21.2 "interrupt on overflow"). Before
// each VM-entry the run loop asks the model whether a PMI is due; if so the
// PMI goes where the guest's LVTPC says -- an NMI, or its fixed vector as a
// message to this vCPU's APIC -- and the LVTPC mask bit is set, as the
// hardware sets it on delivery. A masked LVTPC takes no PMI (the overflow
// stays in GLOBAL_STATUS). A guest programming absurdly short periods is
// held to a maximum PMI rate, as perf's max sample rate holds the host.
#pragma once

#include <chrono>
#include <cstdint>

#include <linux/kvm.h>

#include "kvm/vcpu.h"
#include "kvm/vm.h"
#include "vpmu/result.h"

namespace vpmu::vmm {

inline constexpr unsigned kApicIdOffset = 0x20;
inline constexpr unsigned kLvtpcOffset = 0x340;
inline constexpr std::uint32_t kLvtMasked = 1u << 16;

// What the LVTPC tells the APIC to do with a performance-monitoring interrupt.
struct LvtpcAction {
    enum class Kind { masked, nmi, fixed, unsupported } kind = Kind::masked;
    std::uint8_t vector = 0;  // for fixed delivery
};
LvtpcAction decode_lvtpc(std::uint32_t lvtpc);

std::uint32_t lapic_register(const kvm_lapic_state& lapic, unsigned offset);
void set_lapic_register(kvm_lapic_state& lapic, unsigned offset, std::uint32_t value);

struct PmiStats {
    std::uint64_t nmi = 0;          // delivered as NMI
    std::uint64_t vector = 0;       // delivered on the LVTPC's vector
    std::uint64_t masked = 0;       // due while the LVTPC was masked: not delivered
    std::uint64_t unsupported = 0;  // LVTPC in a mode a PMI cannot use (SMI, INIT, ExtINT, vector < 16)
    std::uint64_t throttled = 0;    // held back by the rate limit
    std::uint64_t throttled_ns = 0;
    // The VMM's share of PMI latency: from the KVM_RUN return after which a
    // PMI was found due (the overflow signal's EINTR, or the exit whose MSR
    // access folded the overflow) to the KVM_RUN that enters with it.
    std::uint64_t injected = 0, inject_ns = 0, inject_max_ns = 0;

    std::uint64_t delivered() const { return nmi + vector; }
    void record_injection(std::uint64_t ns);
    void merge(const PmiStats& o);
};

// At most `max_per_second` PMIs per vCPU, counted in 1 ms windows. 0: no limit.
class PmiRateLimit {
public:
    using Clock = std::chrono::steady_clock;
    explicit PmiRateLimit(std::uint32_t max_per_second);
    // How long to hold the vCPU before this PMI may go (zero: now).
    Clock::duration admit(Clock::time_point now);

private:
    std::uint32_t per_window_;
    Clock::time_point window_start_{};
    std::uint32_t in_window_ = 0;
};

// Delivers one PMI to `vcpu` as its LVTPC says; true when the guest got it.
// `global_status` goes into the pmi_inject tracepoint.
Result<bool> deliver_pmi(kvm::Vm& vm, kvm::Vcpu& vcpu, PmiStats& stats, std::uint64_t global_status = 0);

}  // namespace vpmu::vmm
