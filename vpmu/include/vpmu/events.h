// The architectural performance events (SDM Vol. 3B 21.2.1.2, Table 21-1)
// and the events of the fixed-function counters.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace vpmu {

// Numbered as the bits of CPUID.0AH.EBX.
enum class ArchEvent : std::uint8_t {
    core_cycles = 0,
    instructions = 1,
    ref_cycles = 2,
    llc_references = 3,
    llc_misses = 4,
    branch_instructions = 5,
    branch_misses = 6,
    topdown_slots = 7,
};

struct ArchEventInfo {
    ArchEvent event;
    std::uint8_t event_select;
    std::uint8_t umask;
    std::string_view name;  // the SDM's name
};

std::span<const ArchEventInfo> arch_events();
const ArchEventInfo& arch_event_info(ArchEvent event);

// The architectural event an IA32_PERFEVTSELx event-select/umask pair names.
std::optional<ArchEvent> arch_event_for(std::uint8_t event_select, std::uint8_t umask);

// IA32_FIXED_CTR0..3 count instructions retired, core cycles, reference
// cycles and top-down slots (SDM Table 21-2).
ArchEvent fixed_counter_event(unsigned fixed_index);

constexpr std::uint32_t event_bit(ArchEvent e) { return 1u << static_cast<unsigned>(e); }

}  // namespace vpmu
