#include "vpmu/backends.h"

#include "vpmu/perf_backend.h"
#include "vpmu/precise_backend.h"

namespace vpmu {

Result<BackendKind> parse_backend_kind(std::string_view name) {
    if (name == "auto") return BackendKind::automatic;
    if (name == "hw") return BackendKind::hw;
    if (name == "time") return BackendKind::time;
    if (name == "precise") return BackendKind::precise;
    if (name == "none") return BackendKind::unbacked;
    return make_error("invalid --backend '" + std::string(name) +
                      "' (legal: auto, hw, time, precise, none)");
}

std::string_view backend_kind_name(BackendKind kind) {
    switch (kind) {
    case BackendKind::automatic: return "auto";
    case BackendKind::hw: return "hw";
    case BackendKind::time: return "time";
    case BackendKind::precise: return "precise";
    case BackendKind::unbacked: return "none";
    }
    return "?";
}

std::uint32_t UnbackedBackend::unavailable_events() const {
    return 0xFF;  // every architectural event CPUID.0AH.EBX can name
}

Result<void> UnbackedBackend::start(CounterId, const CounterEvent&, std::uint64_t) {
    return make_error("no counter backend: events are not counted (--backend none)");
}

namespace {

template <class T>
Result<std::unique_ptr<CounterBackend>> upcast(Result<std::unique_ptr<T>> made) {
    if (!made) return made.error();
    return std::unique_ptr<CounterBackend>(std::move(made).value());
}

PerfBackend::Mode best_perf_mode() {
    bool host_counts_cycles = !(probe_hardware_unavailable_events() & event_bit(ArchEvent::core_cycles));
    return host_counts_cycles ? PerfBackend::Mode::hardware : PerfBackend::Mode::time;
}

}  // namespace

Result<std::unique_ptr<CounterBackend>> make_backend(BackendKind kind, const BackendOptions& options) {
    switch (kind) {
    case BackendKind::unbacked:
        return std::unique_ptr<CounterBackend>(std::make_unique<UnbackedBackend>());
    case BackendKind::hw:
        return upcast(PerfBackend::create(PerfBackend::Mode::hardware, options.tsc_khz));
    case BackendKind::time:
        return upcast(PerfBackend::create(PerfBackend::Mode::time, options.tsc_khz));
    case BackendKind::automatic:
        return upcast(PerfBackend::create(best_perf_mode(), options.tsc_khz));
    case BackendKind::precise: {
        // Instructions and branches by single-stepping; cycles from the
        // best perf backend when there is one.
        auto fallback = PerfBackend::create(best_perf_mode(), options.tsc_khz);
        std::unique_ptr<CounterBackend> rest;
        if (fallback) rest = std::move(fallback).value();
        return std::unique_ptr<CounterBackend>(std::make_unique<PreciseBackend>(std::move(rest)));
    }
    }
    return make_error("unknown backend kind");
}

}  // namespace vpmu
