#include "vpmu/cpuid.h"

#include <bit>

#include "vpmu/hex.h"

namespace vpmu {
namespace {

// CPUID.0AH.EDX[15]: AnyThread deprecation (version 5).
constexpr std::uint32_t kEdxAnyThreadDeprecated = 1u << 15;

std::uint32_t low_bits(unsigned n) { return n >= 32 ? ~0u : (1u << n) - 1; }

}  // namespace

CpuidLeaf encode_cpuid_0a(const PmuConfig& c) {
    CpuidLeaf leaf;
    if (!c.enabled) return leaf;
    leaf.eax = c.version | c.gp_counters << 8 | c.gp_width << 16 | c.event_vector_length() << 24;
    leaf.ebx = c.unavailable_events;
    if (c.version >= 2) {
        // EDX[4:0] number of contiguous fixed counters, EDX[12:5] their width.
        leaf.edx = c.fixed_counters | c.fixed_width << 5;
    }
    if (c.version >= 5) {
        // ECX: fixed counter i is supported if ECX[i] || EDX[4:0] > i.
        leaf.ecx = low_bits(c.fixed_counters);
        leaf.edx |= kEdxAnyThreadDeprecated;
    }
    return leaf;
}

Result<PmuConfig> decode_cpuid_0a(const CpuidLeaf& leaf, bool full_width_writes) {
    unsigned version = leaf.eax & 0xFF;
    if (version == 0) return PmuConfig::off();
    if (version > 5) {
        return make_error("CPUID.0AH: perfmon version " + std::to_string(version) +
                          " is not modelled (1..5)");
    }
    PmuConfig c;
    c.version = version;
    c.gp_counters = leaf.eax >> 8 & 0xFF;
    c.gp_width = leaf.eax >> 16 & 0xFF;
    // An event is available only if its bit index is below the EBX vector
    // length (EAX[31:24]) and its EBX bit is clear.
    unsigned length = leaf.eax >> 24;
    std::uint32_t model_events = low_bits(c.event_vector_length());
    c.unavailable_events = (leaf.ebx | ~low_bits(length)) & model_events;
    c.fixed_counters = 0;
    c.fixed_width = 0;
    if (version >= 2) {
        std::uint32_t fixed_bitmap = low_bits(leaf.edx & 0x1F);
        if (version >= 5) fixed_bitmap |= leaf.ecx;
        if (fixed_bitmap & (fixed_bitmap + 1)) {
            return make_error("CPUID.0AH: fixed-counter bitmap " + to_hex(fixed_bitmap) +
                              " is not contiguous from counter 0 (not modelled)");
        }
        c.fixed_counters = static_cast<unsigned>(std::popcount(fixed_bitmap));
        c.fixed_width = leaf.edx >> 5 & 0xFF;
    }
    c.full_width_writes = full_width_writes;
    if (auto ok = c.validate(); !ok) return make_error("CPUID.0AH: " + ok.error().message);
    return c;
}

}  // namespace vpmu
