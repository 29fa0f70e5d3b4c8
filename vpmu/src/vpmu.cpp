#include "vpmu/vpmu.h"

#include <bit>

namespace vpmu {
namespace {

// IA32_FIXED_CTR_CTRL: four bits per fixed counter (SDM Figure 21-9).
constexpr unsigned kFixedFieldBits = 4;
constexpr std::uint64_t kFixedEnOs = 0x1;
constexpr std::uint64_t kFixedEnUsr = 0x2;
constexpr std::uint64_t kFixedAnyThread = 0x4;
constexpr std::uint64_t kFixedPmi = 0x8;

// Event-select bits that name the event, as opposed to filtering or control.
constexpr std::uint64_t kEventEncoding =
    evtsel::kEventSelect | evtsel::kUmask | evtsel::kEdge | evtsel::kInv | evtsel::kCmask;

std::uint64_t fixed_field(std::uint64_t ctrl, unsigned index) {
    return ctrl >> (index * kFixedFieldBits) & 0xF;
}

std::uint64_t low_mask(unsigned bits) {
    return bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
}

// Calls f(CounterId) for every bit set in a CounterId mask.
template <class F>
void for_each_counter(std::uint64_t mask, F&& f) {
    while (mask) {
        unsigned bit = static_cast<unsigned>(std::countr_zero(mask));
        mask &= mask - 1;
        f(CounterId{bit});
    }
}

bool in_block(std::uint32_t msr, std::uint32_t first, unsigned count) {
    return msr >= first && msr - first < count;
}

}  // namespace

template <class Mutate>
void Vpmu::reprogram(std::uint64_t ids, Mutate&& mutate) {
    for_each_counter(ids & counting_, [&](CounterId id) { fold(id); });
    mutate();
    for_each_counter(ids & counter_mask_, [&](CounterId id) {
        if (should_count(id)) start(id);
    });
}

Vpmu::Vpmu(CounterBackend& backend) : backend_(backend) {}

Vpmu::~Vpmu() { stop_all(); }

void Vpmu::configure(const PmuConfig& config) {
    stop_all();
    config_ = config;
    counter_mask_ = 0;
    if (config.enabled) {
        counter_mask_ = low_mask(config.gp_counters) |
                        low_mask(config.fixed_counters) << CounterId::kFixedBase;
    }
    std::uint64_t evtsel_defined = kEventEncoding | evtsel::kUsr | evtsel::kOs |
                                   evtsel::kPinControl | evtsel::kInt | evtsel::kEnable;
    std::uint64_t fixed_field_defined = kFixedEnOs | kFixedEnUsr | kFixedPmi;
    if (config.any_thread_supported()) {
        evtsel_defined |= evtsel::kAnyThread;
        fixed_field_defined |= kFixedAnyThread;
    }
    evtsel_reserved_ = ~evtsel_defined;
    std::uint64_t fixed_ctrl_defined = 0;
    for (unsigned i = 0; i < config.fixed_counters; ++i) {
        fixed_ctrl_defined |= fixed_field_defined << (i * kFixedFieldBits);
    }
    fixed_ctrl_reserved_ = ~fixed_ctrl_defined;
    // Write-one-to-clear bits of GLOBAL_OVF_CTRL (v2, v3) and its v4 successor
    // GLOBAL_STATUS_RESET, which also clears CTR_Frz. No DS area, trace or
    // uncore PMU is exposed, so their status bits stay reserved; OvfBuf and
    // CondChgd are accepted as Linux acks them.
    status_reset_writable_ = counter_mask_ | global_status::kOvfBuf | global_status::kCondChgd;
    status_set_writable_ = 0;
    if (config.version >= 4) {
        status_reset_writable_ |= global_status::kCtrFrz;
        status_set_writable_ = counter_mask_ | global_status::kOvfBuf | global_status::kCtrFrz;
    }
    reset();
}

Result<void> Vpmu::configure_from_cpuid(const CpuidLeaf& leaf, bool full_width_writes) {
    auto config = decode_cpuid_0a(leaf, full_width_writes);
    if (!config) return config.error();
    configure(*config);
    return {};
}

void Vpmu::reset() {
    stop_all();
    gp_.fill({});
    fixed_.fill({});
    fixed_ctrl_ = 0;
    global_status_ = 0;
    debugctl_ = 0;
    // SDM 21.2.2: at power-up the GP enable bits of GLOBAL_CTRL are set, so
    // that software written for version 1 (EVTSEL.EN alone) keeps counting.
    global_ctrl_ = config_.version >= 2 ? low_mask(config_.gp_counters) : 0;
    pmi_pending_ = false;
    failed_ = 0;
}

// ---- MSR dispatch ---------------------------------------------------------

std::optional<std::uint64_t> Vpmu::rdmsr(MsrIndex index) {
    const std::uint32_t m = index.value;
    if (m == msr::kDebugCtl) return debugctl_;  // exists on every x86-64 CPU
    if (!config_.enabled) return std::nullopt;
    const unsigned gp = config_.gp_counters;
    const unsigned version = config_.version;
    if (in_block(m, msr::kPmc0, gp)) return read_counter(CounterId::gp(m - msr::kPmc0));
    if (config_.full_width_writes && in_block(m, msr::kAPmc0, gp)) {
        return read_counter(CounterId::gp(m - msr::kAPmc0));
    }
    if (in_block(m, msr::kPerfEvtSel0, gp)) return gp_[m - msr::kPerfEvtSel0].evtsel;
    if (version < 2) return std::nullopt;
    if (in_block(m, msr::kFixedCtr0, config_.fixed_counters)) {
        return read_counter(CounterId::fixed(m - msr::kFixedCtr0));
    }
    switch (m) {
    case msr::kPerfCapabilities:
        return config_.full_width_writes ? kPerfCapFullWidthWrite : 0;
    case msr::kFixedCtrCtrl:
        return fixed_ctrl_;
    case msr::kGlobalStatus:
        collect_overflows();  // an overflow the backend has not signalled yet
        return global_status_;
    case msr::kGlobalCtrl:
        return global_ctrl_;
    case msr::kGlobalOvfCtrl:  // write-only in effect: reads return 0
        return 0;
    case msr::kGlobalStatusSet:
        if (version >= 4) return 0;
        return std::nullopt;
    case msr::kGlobalInUse:
        if (version >= 4) return in_use();
        return std::nullopt;
    default:
        return std::nullopt;
    }
}

Access Vpmu::wrmsr(MsrIndex index, std::uint64_t value) {
    const std::uint32_t m = index.value;
    if (m == msr::kDebugCtl) {
        std::uint64_t writable = config_.version >= 2 ? kDebugCtlFreezePerfmonOnPmi : 0;
        if (value & ~writable) return Access::fault;
        debugctl_ = value;
        return Access::ok;
    }
    if (!config_.enabled) return Access::fault;
    const unsigned gp = config_.gp_counters;
    const unsigned version = config_.version;
    if (in_block(m, msr::kPmc0, gp)) {
        // Without a full-width alias, WRMSR writes bits 31:0 and sign-extends
        // bit 31 into the upper bits (SDM 21.2.6); the width then truncates.
        auto sign_extended = static_cast<std::uint64_t>(
            static_cast<std::int64_t>(static_cast<std::int32_t>(static_cast<std::uint32_t>(value))));
        return write_counter(CounterId::gp(m - msr::kPmc0), sign_extended);
    }
    if (config_.full_width_writes && in_block(m, msr::kAPmc0, gp)) {
        // IA32_A_PMCx take the full value; bits beyond the width are reserved.
        if (value & ~low_mask(config_.gp_width)) return Access::fault;
        return write_counter(CounterId::gp(m - msr::kAPmc0), value);
    }
    if (in_block(m, msr::kPerfEvtSel0, gp)) return write_evtsel(m - msr::kPerfEvtSel0, value);
    if (version < 2) return Access::fault;
    if (in_block(m, msr::kFixedCtr0, config_.fixed_counters)) {
        // As KVM does: the fixed counters keep the bits within their width.
        return write_counter(CounterId::fixed(m - msr::kFixedCtr0), value);
    }
    switch (m) {
    case msr::kFixedCtrCtrl:
        return write_fixed_ctrl(value);
    case msr::kGlobalCtrl:
        return write_global_ctrl(value);
    case msr::kGlobalOvfCtrl:
        return clear_status(value, status_reset_writable_);
    case msr::kGlobalStatusSet:
        if (version >= 4) return set_status(value);
        return Access::fault;
    default:
        // PERF_CAPABILITIES, GLOBAL_STATUS and GLOBAL_INUSE are read-only.
        return Access::fault;
    }
}

std::optional<std::uint64_t> Vpmu::rdpmc(std::uint32_t ecx) {
    constexpr std::uint32_t kFixedSelect = 1u << 30;
    constexpr std::uint32_t kIndex = kFixedSelect - 1;
    if (!config_.enabled || (ecx & ~(kFixedSelect | kIndex))) return std::nullopt;
    const unsigned index = ecx & kIndex;
    const CounterId id = (ecx & kFixedSelect) ? CounterId::fixed(index) : CounterId::gp(index);
    if (index >= (id.is_fixed() ? msr::kMaxFixedCounters : msr::kMaxGpCounters)) return std::nullopt;
    if (!(counter_mask_ & id.bit())) return std::nullopt;
    return read_counter(id);
}

void Vpmu::on_pmi_delivered() {
    if (!(debugctl_ & kDebugCtlFreezePerfmonOnPmi)) return;
    if (config_.version >= 4) {
        reprogram(counter_mask_, [&] { global_status_ |= global_status::kCtrFrz; });
    } else {
        reprogram(global_ctrl_, [&] { global_ctrl_ = 0; });
    }
}

// ---- registers --------------------------------------------------------------

std::optional<std::uint64_t> Vpmu::read_counter(CounterId id) {
    Counter& c = counter(id);
    if (!(counting_ & id.bit())) return c.value;
    std::uint64_t events = backend_.read(id);
    if (events >= period_of(id)) {
        // The counter wrapped before the backend's overflow reached us:
        // account for it now so the status bit and PMI are not lost.
        fold(id);
        start(id);
        return c.value;
    }
    return (c.value + events) & width_mask(id);
}

Access Vpmu::write_counter(CounterId id, std::uint64_t value) {
    reprogram(id.bit(), [&] { counter(id).value = value & width_mask(id); });
    return Access::ok;
}

Access Vpmu::write_evtsel(unsigned index, std::uint64_t value) {
    if (value & evtsel_reserved_) return Access::fault;
    reprogram(CounterId::gp(index).bit(), [&] { gp_[index].evtsel = value; });
    return Access::ok;
}

Access Vpmu::write_fixed_ctrl(std::uint64_t value) {
    if (value & fixed_ctrl_reserved_) return Access::fault;
    std::uint64_t changed = 0;
    for (unsigned i = 0; i < config_.fixed_counters; ++i) {
        if (fixed_field(value, i) != fixed_field(fixed_ctrl_, i)) changed |= CounterId::fixed(i).bit();
    }
    reprogram(changed, [&] { fixed_ctrl_ = value; });
    return Access::ok;
}

Access Vpmu::write_global_ctrl(std::uint64_t value) {
    if (value & ~counter_mask_) return Access::fault;
    reprogram(value ^ global_ctrl_, [&] { global_ctrl_ = value; });
    return Access::ok;
}

Access Vpmu::clear_status(std::uint64_t value, std::uint64_t writable) {
    if (value & ~writable) return Access::fault;
    // Clearing CTR_Frz (v4) lets every enabled counter count again.
    std::uint64_t affected = (value & global_status_ & global_status::kCtrFrz) ? counter_mask_ : 0;
    reprogram(affected, [&] { global_status_ &= ~value; });
    return Access::ok;
}

Access Vpmu::set_status(std::uint64_t value) {
    if (value & ~status_set_writable_) return Access::fault;
    // Setting a status bit does not raise a PMI; setting CTR_Frz freezes
    // every counter until it is cleared.
    std::uint64_t affected = (value & ~global_status_ & global_status::kCtrFrz) ? counter_mask_ : 0;
    reprogram(affected, [&] { global_status_ |= value; });
    return Access::ok;
}

// SDM: a GP counter is in use when its event select is non-zero, a fixed
// counter when its enable field is, and PMI-in-use (bit 63) when any
// counter has its interrupt enabled.
std::uint64_t Vpmu::in_use() const {
    std::uint64_t bits = 0;
    for_each_counter(counter_mask_, [&](CounterId id) {
        bool used = id.is_fixed() ? (fixed_field(fixed_ctrl_, id.index()) & (kFixedEnOs | kFixedEnUsr)) != 0
                                  : (gp_[id.index()].evtsel & evtsel::kEventSelect) != 0;
        if (used) bits |= id.bit();
        if (interrupt_enabled(id)) bits |= std::uint64_t{1} << 63;
    });
    return bits;
}

// ---- counter state ----------------------------------------------------------

Vpmu::Counter& Vpmu::counter(CounterId id) {
    return id.is_fixed() ? fixed_[id.index()] : gp_[id.index()];
}

std::uint64_t Vpmu::width_mask(CounterId id) const {
    return low_mask(id.is_fixed() ? config_.fixed_width : config_.gp_width);
}

std::uint64_t Vpmu::period_of(CounterId id) {
    // Events until the counter wraps from its all-ones value to zero.
    return width_mask(id) - counter(id).value + 1;
}

bool Vpmu::should_count(CounterId id) const {
    if (!(counter_mask_ & id.bit())) return false;
    if (config_.version >= 4 && (global_status_ & global_status::kCtrFrz)) return false;
    if (config_.version >= 2 && !(global_ctrl_ & id.bit())) return false;
    if (id.is_fixed()) return (fixed_field(fixed_ctrl_, id.index()) & (kFixedEnOs | kFixedEnUsr)) != 0;
    std::uint64_t sel = gp_[id.index()].evtsel;
    return (sel & evtsel::kEnable) && (sel & (evtsel::kUsr | evtsel::kOs));
}

bool Vpmu::interrupt_enabled(CounterId id) const {
    if (id.is_fixed()) return fixed_field(fixed_ctrl_, id.index()) & kFixedPmi;
    return gp_[id.index()].evtsel & evtsel::kInt;
}

CounterEvent Vpmu::event_of(CounterId id) const {
    CounterEvent event;
    if (id.is_fixed()) {
        const ArchEventInfo& info = arch_event_info(fixed_counter_event(id.index()));
        std::uint64_t field = fixed_field(fixed_ctrl_, id.index());
        event.arch = info.event;
        event.raw = info.event_select | std::uint64_t{info.umask} << 8;
        event.count_kernel = field & kFixedEnOs;
        event.count_user = field & kFixedEnUsr;
        return event;
    }
    std::uint64_t sel = gp_[id.index()].evtsel;
    event.raw = sel & kEventEncoding;
    // Edge, invert and counter-mask qualify an event into another one.
    if ((sel & (evtsel::kEdge | evtsel::kInv | evtsel::kCmask)) == 0) {
        event.arch = arch_event_for(static_cast<std::uint8_t>(sel & evtsel::kEventSelect),
                                    static_cast<std::uint8_t>((sel & evtsel::kUmask) >> 8));
    }
    event.count_kernel = sel & evtsel::kOs;
    event.count_user = sel & evtsel::kUsr;
    return event;
}

void Vpmu::fold(CounterId id) {
    std::uint64_t events = backend_.stop(id);
    counting_ &= ~id.bit();
    apply_events(id, events);
}

void Vpmu::apply_events(CounterId id, std::uint64_t events) {
    Counter& c = counter(id);
    if (events >= period_of(id)) {
        // Overflow (SDM 21.2.2): the status bit records it; a PMI follows if
        // the counter's interrupt is enabled. Version 1 has no status MSR.
        if (config_.version >= 2) global_status_ |= id.bit();
        if (interrupt_enabled(id)) pmi_pending_ = true;
        overflowed_ |= id.bit();
    }
    c.value = (c.value + events) & width_mask(id);
}

void Vpmu::start(CounterId id) {
    auto started = backend_.start(id, event_of(id), period_of(id));
    if (started) {
        counting_ |= id.bit();
    } else {
        failed_ |= id.bit();
        last_backend_error_ = started.error();
    }
}

void Vpmu::stop_all() {
    for_each_counter(counting_, [&](CounterId id) { backend_.stop(id); });
    counting_ = 0;
}

bool Vpmu::collect_overflows() {
    Error reason;
    if (std::uint64_t dropped = backend_.take_dropped(reason)) {
        // The backend gave up on these (a pool the host refused a slot):
        // keep what they counted, stop them, and report them as refused.
        for_each_counter(dropped & counting_, [&](CounterId id) { fold(id); });
        failed_ |= dropped;
        last_backend_error_ = std::move(reason);
    }
    std::uint64_t overflowed = backend_.take_overflows() & counting_;
    reprogram(overflowed, [] {});
    return pmi_pending_;
}

bool Vpmu::take_pmi() {
    bool pending = pmi_pending_;
    pmi_pending_ = false;
    return pending;
}

std::uint64_t Vpmu::take_failed_counters() {
    std::uint64_t failed = failed_;
    failed_ = 0;
    return failed;
}

}  // namespace vpmu
