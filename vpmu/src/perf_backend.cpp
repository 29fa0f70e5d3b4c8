#include "vpmu/perf_backend.h"

#include <linux/perf_event.h>
#include <perfmon/pfmlib_perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "overflow_signal.h"

namespace vpmu {
namespace {

__extension__ typedef unsigned __int128 u128;  // ns x kHz products exceed 64 bits

// The libpfm4 name of the host event each architectural event maps to, in
// CPUID.0AH.EBX bit order: perf's generic hardware events, which libpfm4
// resolves on Intel and AMD hosts alike. Top-down slots have no generic
// equivalent.
constexpr const char* kHostEventNames[] = {
    "perf::PERF_COUNT_HW_CPU_CYCLES",       "perf::PERF_COUNT_HW_INSTRUCTIONS",
    "perf::PERF_COUNT_HW_REF_CPU_CYCLES",   "perf::PERF_COUNT_HW_CACHE_REFERENCES",
    "perf::PERF_COUNT_HW_CACHE_MISSES",     "perf::PERF_COUNT_HW_BRANCH_INSTRUCTIONS",
    "perf::PERF_COUNT_HW_BRANCH_MISSES",    nullptr,
};
constexpr std::uint32_t kAllEvents = 0xFF;
constexpr std::uint32_t kTimeEvents = event_bit(ArchEvent::core_cycles) | event_bit(ArchEvent::ref_cycles);

Result<void> init_pfm() {
    static std::once_flag once;
    static int rc = PFM_SUCCESS;
    std::call_once(once, [] { rc = pfm_initialize(); });
    if (rc != PFM_SUCCESS) return make_error(std::string("libpfm4 pfm_initialize: ") + pfm_strerror(rc));
    return {};
}

// Fills type/config of `attr` for an architectural event from libpfm4.
Result<void> resolve_host_event(ArchEvent event, perf_event_attr& attr) {
    const char* name = kHostEventNames[static_cast<unsigned>(event)];
    if (!name) return make_error(std::string(arch_event_info(event).name) + " has no host equivalent");
    if (auto ok = init_pfm(); !ok) return ok;
    perf_event_attr resolved{};
    pfm_perf_encode_arg_t arg{};
    arg.attr = &resolved;
    arg.size = sizeof arg;
    int rc = pfm_get_os_event_encoding(name, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT, &arg);
    if (rc != PFM_SUCCESS) return make_error(std::string("libpfm4 cannot encode ") + name + ": " + pfm_strerror(rc));
    attr.type = resolved.type;
    attr.config = resolved.config;
    return {};
}

// Counts thread `tid` (0: the calling thread) on whichever CPU it runs.
int perf_event_open(perf_event_attr& attr, pid_t tid = 0) {
    return static_cast<int>(syscall(SYS_perf_event_open, &attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC));
}

// What read() returns with PERF_FORMAT_TOTAL_TIME_ENABLED | _RUNNING.
struct Reading {
    std::uint64_t value = 0;
    std::uint64_t time_enabled = 0;
    std::uint64_t time_running = 0;
};

Reading read_event(int fd) {
    Reading r;
    if (::read(fd, &r, sizeof r) != sizeof r) return {};
    return r;
}

bool same_event(const perf_event_attr& a, const perf_event_attr& b) {
    return a.type == b.type && a.config == b.config && a.exclude_user == b.exclude_user &&
           a.exclude_kernel == b.exclude_kernel && a.exclude_host == b.exclude_host;
}

}  // namespace

struct PerfBackend::Slot {
    int fd = -1;
    perf_event_attr attr{};
    bool enabled = false;
    std::uint64_t running_at_start = 0;     // time_running when start() enabled it
    std::uint64_t running_when_stopped = 0;  // time_running read by the last stop()
    ~Slot() {
        if (fd < 0) return;
        overflow::unwatch(fd);
        close(fd);
    }
};

std::uint32_t probe_hardware_unavailable_events() {
    std::uint32_t unavailable = 0;
    for (unsigned i = 0; i < 8; ++i) {
        perf_event_attr attr{};
        attr.size = sizeof attr;
        attr.disabled = 1;
        attr.exclude_hv = 1;
        int fd = -1;
        if (resolve_host_event(static_cast<ArchEvent>(i), attr).ok()) fd = perf_event_open(attr);
        if (fd < 0) unavailable |= 1u << i;
        else close(fd);
    }
    return unavailable;
}

Result<std::unique_ptr<PerfBackend>> PerfBackend::create(Mode mode, std::uint32_t tsc_khz) {
    if (mode == Mode::time) {
        if (tsc_khz == 0) return make_error("time backend: the guest TSC frequency is unknown");
        return std::unique_ptr<PerfBackend>(new PerfBackend(mode, tsc_khz, kAllEvents & ~kTimeEvents));
    }
    std::uint32_t unavailable = probe_hardware_unavailable_events();
    if (unavailable == kAllEvents) {
        return make_error("hw backend: the host PMU counts none of the architectural events "
                          "(perf_event_open of hardware events fails here; try --backend time)");
    }
    return std::unique_ptr<PerfBackend>(new PerfBackend(mode, tsc_khz, unavailable));
}

PerfBackend::PerfBackend(Mode mode, std::uint32_t tsc_khz, std::uint32_t unavailable)
    : mode_(mode), tsc_khz_(tsc_khz), unavailable_(unavailable), owner_tid_(gettid()) {}

PerfBackend::~PerfBackend() = default;

Result<void> PerfBackend::attr_for(const CounterEvent& event, perf_event_attr& attr) const {
    attr.size = sizeof attr;
    attr.disabled = 1;
    attr.exclude_hv = 1;
    attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
    if (!event.arch) return make_error("event " + std::to_string(event.raw) + " is not architectural; not countable here");
    if (unavailable_ & event_bit(*event.arch)) {
        return make_error(std::string(arch_event_info(*event.arch).name) + " is not available on this backend");
    }
    if (mode_ == Mode::time) {
        attr.type = PERF_TYPE_SOFTWARE;
        attr.config = PERF_COUNT_SW_TASK_CLOCK;
        return {};
    }
    if (auto ok = resolve_host_event(*event.arch, attr); !ok) return ok;
    // Guest-mode counts only, filtered by the guest's rings.
    attr.exclude_host = 1;
    attr.exclude_user = !event.count_user;
    attr.exclude_kernel = !event.count_kernel;
    return {};
}

std::uint64_t PerfBackend::to_events(std::uint64_t host_count) const {
    if (mode_ != Mode::time) return host_count;
    return static_cast<std::uint64_t>(static_cast<u128>(host_count) * tsc_khz_ / 1000000);
}

std::uint64_t PerfBackend::to_host_period(std::uint64_t events) const {
    if (mode_ != Mode::time) return events;
    // Round up so that when the host period elapses, to_events() of the
    // count has reached `events`.
    u128 ns = (static_cast<u128>(events) * 1000000 + tsc_khz_ - 1) / tsc_khz_;
    constexpr std::uint64_t kMaxPeriod = std::uint64_t{1} << 62;
    return ns > kMaxPeriod ? kMaxPeriod : static_cast<std::uint64_t>(ns);
}

Result<void> PerfBackend::start(CounterId id, const CounterEvent& event, std::uint64_t period) {
    perf_event_attr attr{};
    if (auto ok = attr_for(event, attr); !ok) return ok;
    std::unique_ptr<Slot>& slot = slots_.at(id.value);
    if (!slot || !same_event(slot->attr, attr)) {
        attr.sample_period = to_host_period(period);
        int fd = perf_event_open(attr, owner_tid_);
        if (fd < 0) return make_error(std::string("perf_event_open: ") + std::strerror(errno));
        auto fresh = std::make_unique<Slot>();
        fresh->fd = fd;
        fresh->attr = attr;
        if (auto ok = overflow::watch(fd, owner_tid_, id, pending_); !ok) return ok;
        slot = std::move(fresh);
    }
    std::uint64_t host_period = to_host_period(period);
    if (ioctl(slot->fd, PERF_EVENT_IOC_RESET, 0) != 0 ||
        ioctl(slot->fd, PERF_EVENT_IOC_PERIOD, &host_period) != 0) {
        return make_error(std::string("perf event ioctl: ") + std::strerror(errno));
    }
    // A disabled event's time_running stands still, so it is still what the
    // last stop() read (0 for a new event): no read on the restart path,
    // which every overflow takes. Restarted while running: ask.
    slot->running_at_start =
        slot->enabled ? read_event(slot->fd).time_running : slot->running_when_stopped;
    if (ioctl(slot->fd, PERF_EVENT_IOC_ENABLE, 0) != 0) {
        return make_error(std::string("perf event ioctl(ENABLE): ") + std::strerror(errno));
    }
    slot->enabled = true;
    return {};
}

std::uint64_t PerfBackend::read(CounterId id) {
    const std::unique_ptr<Slot>& slot = slots_.at(id.value);
    return slot ? to_events(read_event(slot->fd).value) : 0;
}

std::uint64_t PerfBackend::running_ns(CounterId id) {
    const std::unique_ptr<Slot>& slot = slots_.at(id.value);
    return slot ? read_event(slot->fd).time_running - slot->running_at_start : 0;
}

std::uint64_t PerfBackend::stop(CounterId id) {
    const std::unique_ptr<Slot>& slot = slots_.at(id.value);
    if (!slot) return 0;
    ioctl(slot->fd, PERF_EVENT_IOC_DISABLE, 0);
    pending_.fetch_and(~id.bit(), std::memory_order_relaxed);
    const Reading r = read_event(slot->fd);
    slot->enabled = false;
    slot->running_when_stopped = r.time_running;
    return to_events(r.value);
}

std::uint64_t PerfBackend::take_overflows() { return pending_.exchange(0, std::memory_order_relaxed); }

}  // namespace vpmu
