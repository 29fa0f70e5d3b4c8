// Human-readable and JSON descriptions of what a PmuConfig exposes: the
// CPUID.0AH encoding and the map of PMU MSRs (present, reset value, #GP).
#pragma once

#include <cstdint>
#include <string>

#include "vpmu/config.h"

namespace vpmu {

// `unavailable_events` is ORed into CPUID.0AH.EBX (events the backend
// cannot count).
std::string describe_pmu(const PmuConfig& config, std::uint32_t unavailable_events = 0);
std::string describe_pmu_json(const PmuConfig& config, std::uint32_t unavailable_events = 0);

}  // namespace vpmu
