#include "vpmu/events.h"

#include <array>

namespace vpmu {
namespace {

// SDM Vol. 3B Table 21-1 (UMask, Event Select) of the architectural events.
constexpr std::array<ArchEventInfo, 8> kArchEvents{{
    {ArchEvent::core_cycles, 0x3C, 0x00, "UnHalted Core Cycles"},
    {ArchEvent::instructions, 0xC0, 0x00, "Instructions Retired"},
    {ArchEvent::ref_cycles, 0x3C, 0x01, "UnHalted Reference Cycles"},
    {ArchEvent::llc_references, 0x2E, 0x4F, "LLC Reference"},
    {ArchEvent::llc_misses, 0x2E, 0x41, "LLC Misses"},
    {ArchEvent::branch_instructions, 0xC4, 0x00, "Branch Instructions Retired"},
    {ArchEvent::branch_misses, 0xC5, 0x00, "Branch Misses Retired"},
    {ArchEvent::topdown_slots, 0xA4, 0x01, "Topdown Slots"},
}};

constexpr std::array<ArchEvent, 4> kFixedEvents{
    ArchEvent::instructions, ArchEvent::core_cycles, ArchEvent::ref_cycles, ArchEvent::topdown_slots};

}  // namespace

std::span<const ArchEventInfo> arch_events() { return kArchEvents; }

const ArchEventInfo& arch_event_info(ArchEvent event) {
    return kArchEvents[static_cast<unsigned>(event)];
}

std::optional<ArchEvent> arch_event_for(std::uint8_t event_select, std::uint8_t umask) {
    for (const ArchEventInfo& info : kArchEvents) {
        if (info.event_select == event_select && info.umask == umask) return info.event;
    }
    return std::nullopt;
}

ArchEvent fixed_counter_event(unsigned fixed_index) { return kFixedEvents.at(fixed_index); }

}  // namespace vpmu
