// One vCPU's virtual PMU: the architectural performance-monitoring MSRs with
// the Intel SDM's semantics (Vol. 3B ch. 21), for the version, counters and
// widths of a PmuConfig. The model knows nothing of KVM: the VMM hands it
// RDMSR/WRMSR exits and asks, before each VM-entry, whether a PMI is due.
//
// Lifecycle (SysOptic 4.2): construction creates a Vpmu not yet tied to
// CPUID (PMU off); configure() gives it the shape the guest's CPUID leaf 0AH
// enumerates and resets it, and is called again whenever that CPUID changes;
// reset() restores power-up values; destruction stops every counter.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <utility>

#include "vpmu/backend.h"
#include "vpmu/config.h"
#include "vpmu/cpuid.h"
#include "vpmu/msr.h"
#include "vpmu/result.h"

namespace vpmu {

// Outcome of a guest MSR write: done, or the guest gets #GP(0).
enum class [[nodiscard]] Access { ok, fault };

// Bits of IA32_PERFEVTSELx (SDM Figure 21-6).
namespace evtsel {
inline constexpr std::uint64_t kEventSelect = 0xFF;
inline constexpr std::uint64_t kUmask = 0xFF00;
inline constexpr std::uint64_t kUsr = 1u << 16;
inline constexpr std::uint64_t kOs = 1u << 17;
inline constexpr std::uint64_t kEdge = 1u << 18;
inline constexpr std::uint64_t kPinControl = 1u << 19;
inline constexpr std::uint64_t kInt = 1u << 20;
inline constexpr std::uint64_t kAnyThread = 1u << 21;
inline constexpr std::uint64_t kEnable = 1u << 22;
inline constexpr std::uint64_t kInv = 1u << 23;
inline constexpr std::uint64_t kCmask = 0xFF000000u;
}  // namespace evtsel

// Bits of IA32_PERF_GLOBAL_STATUS above the counter bits (SDM Figure 21-xx).
namespace global_status {
inline constexpr std::uint64_t kLbrFrz = 1ull << 58;   // v4+
inline constexpr std::uint64_t kCtrFrz = 1ull << 59;   // v4+
inline constexpr std::uint64_t kOvfBuf = 1ull << 62;
inline constexpr std::uint64_t kCondChgd = 1ull << 63;
}  // namespace global_status

// IA32_PERF_CAPABILITIES.FW_WRITE: IA32_A_PMCx accept full-width writes.
inline constexpr std::uint64_t kPerfCapFullWidthWrite = 1u << 13;
// IA32_DEBUGCTL.FREEZE_PERFMON_ON_PMI.
inline constexpr std::uint64_t kDebugCtlFreezePerfmonOnPmi = 1u << 12;

class Vpmu {
public:
    explicit Vpmu(CounterBackend& backend);
    ~Vpmu();
    Vpmu(const Vpmu&) = delete;
    Vpmu& operator=(const Vpmu&) = delete;

    // Takes the shape of `config` and resets; call again when the guest's
    // CPUID changes. The config must be valid (PmuConfig::validate()).
    void configure(const PmuConfig& config);
    // The same, from the CPUID leaf 0AH values the guest will see.
    Result<void> configure_from_cpuid(const CpuidLeaf& leaf, bool full_width_writes);

    // Power-up state (SDM: counters and controls 0, GLOBAL_CTRL's GP
    // enables set so that version-1 software keeps working).
    void reset();

    const PmuConfig& config() const { return config_; }

    // Guest RDMSR of a PMU MSR: the value, or nullopt for #GP.
    std::optional<std::uint64_t> rdmsr(MsrIndex index);
    // Guest WRMSR of a PMU MSR.
    Access wrmsr(MsrIndex index, std::uint64_t value);
    // Guest RDPMC with this ECX (SDM RDPMC: bit 30 selects the fixed
    // counters, bits 29:0 the index): the value, or nullopt for #GP. The
    // CR4.PCE/CPL check is the caller's (KVM's).
    std::optional<std::uint64_t> rdpmc(std::uint32_t ecx);

    // Folds the overflows the backend reported into the counters and
    // GLOBAL_STATUS, and stops the counters it dropped (they join the failed
    // ones). Returns true when a PMI is pending.
    bool collect_overflows();

    // A PMI is due: some counter with its interrupt enabled wrapped. The
    // VMM delivers it through the guest's LVTPC before the next VM-entry
    // and calls take_pmi() to acknowledge it.
    bool pmi_pending() const { return pmi_pending_; }
    bool take_pmi();
    // The VMM delivered a PMI to the guest: with DEBUGCTL.FREEZE_PERFMON_
    // ON_PMI set, version 4+ freezes the counters (GLOBAL_STATUS.CTR_Frz)
    // and earlier versions clear GLOBAL_CTRL (the SDM's legacy freeze).
    void on_pmi_delivered();

    // Counters the backend refused to start, or dropped later (as CounterId
    // bits): they do not count, rather than count something wrong. Cleared
    // when read.
    std::uint64_t take_failed_counters();
    const Error& last_backend_error() const { return last_backend_error_; }

    // Which counters are counting right now (CounterId bits).
    std::uint64_t counting_mask() const { return counting_; }

    // For the VMM's tracepoints: counters that overflowed since the last
    // call (CounterId bits; cleared when read), and GLOBAL_STATUS as is.
    std::uint64_t take_overflowed() { return std::exchange(overflowed_, 0); }
    std::uint64_t global_status() const { return global_status_; }

private:
    struct Counter {
        std::uint64_t value = 0;      // as of the last fold, within the width
        std::uint64_t evtsel = 0;     // GP counters only
    };

    std::optional<std::uint64_t> read_counter(CounterId id);
    Access write_counter(CounterId id, std::uint64_t value);
    Access write_evtsel(unsigned index, std::uint64_t value);
    Access write_fixed_ctrl(std::uint64_t value);
    Access write_global_ctrl(std::uint64_t value);
    Access clear_status(std::uint64_t value, std::uint64_t writable);
    Access set_status(std::uint64_t value);
    std::uint64_t in_use() const;

    Counter& counter(CounterId id);
    std::uint64_t width_mask(CounterId id) const;
    std::uint64_t period_of(CounterId id);
    bool should_count(CounterId id) const;
    bool interrupt_enabled(CounterId id) const;
    CounterEvent event_of(CounterId id) const;

    // The SysOptic bind/recall points. reprogram() folds the counting
    // counters among `ids` back from the backend, applies `mutate` to the
    // registers, then starts those of `ids` that should count.
    template <class Mutate>
    void reprogram(std::uint64_t ids, Mutate&& mutate);
    // Stops a backend counter and adds its events to the virtual value,
    // recording an overflow if it wrapped.
    void fold(CounterId id);
    void apply_events(CounterId id, std::uint64_t events);
    void start(CounterId id);
    void stop_all();

    CounterBackend& backend_;
    PmuConfig config_ = PmuConfig::off();

    // Masks derived from config_ by configure().
    std::uint64_t counter_mask_ = 0;        // existing counters, CounterId bits
    std::uint64_t evtsel_reserved_ = 0;
    std::uint64_t fixed_ctrl_reserved_ = 0;
    std::uint64_t status_reset_writable_ = 0;
    std::uint64_t status_set_writable_ = 0;

    std::array<Counter, msr::kMaxGpCounters> gp_{};
    std::array<Counter, msr::kMaxFixedCounters> fixed_{};
    std::uint64_t fixed_ctrl_ = 0;
    std::uint64_t global_ctrl_ = 0;
    std::uint64_t global_status_ = 0;
    std::uint64_t debugctl_ = 0;

    std::uint64_t counting_ = 0;  // backend started, CounterId bits
    std::uint64_t failed_ = 0;
    std::uint64_t overflowed_ = 0;  // since take_overflowed()
    Error last_backend_error_;
    bool pmi_pending_ = false;
};

}  // namespace vpmu
