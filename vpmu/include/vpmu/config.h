// The shape of the virtual PMU a guest sees: what CPUID leaf 0AH and
// IA32_PERF_CAPABILITIES enumerate. Parsed from the `--pmu` command-line
// spec or a config file; every invalid value is rejected with a message
// naming the field, the value and the legal range.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "vpmu/result.h"

namespace vpmu {

struct PmuConfig {
    bool enabled = true;           // false: PMU off, CPUID.0AH = 0, every PMU MSR #GPs
    unsigned version = 2;          // architectural perfmon version, 1..5
    unsigned gp_counters = 4;      // IA32_PMCx / IA32_PERFEVTSELx pairs, 0..8
    unsigned gp_width = 48;        // bits, 16..48
    unsigned fixed_counters = 3;   // IA32_FIXED_CTRx: 0 for v1, 0..3 for v2-4, 0..4 for v5
    unsigned fixed_width = 48;     // bits, 16..48; 0 for v1 (no fixed counters)
    std::uint32_t unavailable_events = 0;  // CPUID.0AH.EBX: set bit = event NOT available
    bool full_width_writes = true;  // IA32_PERF_CAPABILITIES.FW_WRITE (bit 13); v2+

    static PmuConfig off();

    // Number of architectural events CPUID.0AH.EBX enumerates (EAX[31:24]):
    // seven up to version 4, eight (adds top-down slots) from version 5.
    unsigned event_vector_length() const { return version >= 5 ? 8 : 7; }

    // The SDM's AnyThread bit exists from version 3; version 5 deprecates it
    // (CPUID.0AH.EDX[15]) and this model then treats it as reserved.
    bool any_thread_supported() const { return version == 3 || version == 4; }

    Result<void> validate() const;

    // The canonical spec string: parse_pmu_spec(to_spec()) == *this.
    std::string to_spec() const;

    friend bool operator==(const PmuConfig&, const PmuConfig&) = default;
};

// Parses the contract spelling of `--pmu`: "off", or key=value pairs joined
// by commas (version, gp, gp-width, fixed, fixed-width, events, full-width).
// Fields not given take the defaults of the chosen version.
Result<PmuConfig> parse_pmu_spec(std::string_view spec);

// Parses a config file: the same keys, one key=value per line (or several
// joined by commas), '#' starts a comment, blank lines ignored.
Result<PmuConfig> parse_pmu_file_text(std::string_view text);
Result<PmuConfig> load_pmu_file(const std::string& path);

}  // namespace vpmu
