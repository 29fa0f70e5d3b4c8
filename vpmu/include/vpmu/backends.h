// Choosing a counter backend for a vCPU (the `--backend` option).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "vpmu/backend.h"
#include "vpmu/result.h"

namespace vpmu {

enum class BackendKind { automatic, hw, time, precise, unbacked };

Result<BackendKind> parse_backend_kind(std::string_view name);
std::string_view backend_kind_name(BackendKind kind);

struct BackendOptions {
    std::uint32_t tsc_khz = 0;  // guest TSC frequency (KVM_GET_TSC_KHZ); the time backend needs it
};

// Creates the backend for one vCPU. Call on the vCPU thread: host perf
// events count the thread that opens them, and overflow signals go to it.
// `automatic` takes the host PMU when it counts cycles, else the time backend.
Result<std::unique_ptr<CounterBackend>> make_backend(BackendKind kind, const BackendOptions& options = {});

// A backend that counts nothing and says so: every architectural event is
// unavailable in CPUID.0AH.EBX and every start() fails with a reason. The
// PMU's registers still behave as the SDM says.
class UnbackedBackend final : public CounterBackend {
public:
    std::uint32_t unavailable_events() const override;
    Result<void> start(CounterId id, const CounterEvent& event, std::uint64_t period) override;
    std::uint64_t read(CounterId) override { return 0; }
    std::uint64_t stop(CounterId) override { return 0; }
    std::uint64_t take_overflows() override { return 0; }
};

}  // namespace vpmu
