#include "vpmu/backends.h"

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

Result<std::unique_ptr<CounterBackend>> make_backend(BackendKind kind) {
    switch (kind) {
    case BackendKind::automatic:  // the best backend this host offers; none yet
    case BackendKind::unbacked:
        return std::unique_ptr<CounterBackend>(std::make_unique<UnbackedBackend>());
    case BackendKind::hw:
    case BackendKind::time:
    case BackendKind::precise:
        break;
    }
    return make_error("--backend " + std::string(backend_kind_name(kind)) +
                      " is not implemented yet (counting arrives with the backends issue); "
                      "use --backend none");
}

}  // namespace vpmu
