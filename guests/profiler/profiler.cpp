#include "profiler.h"

#include "rt/rt.h"

namespace prof {
namespace {

// SDM Vol. 4 Table 2-2 / Vol. 3B 21.2.
constexpr uint32_t kPmc0 = 0xC1, kPerfEvtSel0 = 0x186, kGlobalCtrl = 0x38F, kGlobalOvfCtrl = 0x390;
constexpr uint64_t kUsr = 1u << 16, kInt = 1u << 20, kEn = 1u << 22;

struct State {
    uint64_t* buffer;
    uint64_t capacity;
    uint64_t samples;
    uint64_t reload;  // the legacy PMC0 write that re-arms: -period, bit 31 set
    uint32_t lvtpc;   // LVTPC, unmasked
};
State g;

// The PMI path: short on purpose (see profiler.h for what it costs).
void on_pmi(rt::Frame& frame) {
    const uint64_t n = g.samples;
    if (n < g.capacity) g.buffer[n] = frame.rip;
    g.samples = n + 1;
    rt::wrmsr(kPmc0, g.reload);
    rt::wrmsr(kGlobalOvfCtrl, 1);
    rt::lvtpc_write(g.lvtpc);
}

}  // namespace

const char* start(const Options& o) {
    const rt::CpuidRegs leaf = rt::cpuid(0xA);
    const uint32_t version = leaf.eax & 0xFF, gp = (leaf.eax >> 8) & 0xFF, ebx_length = (leaf.eax >> 24) & 0xFF;
    if (version < 2 || gp == 0) return "needs an architectural PMU v2+ with a general-purpose counter";
    if (o.event == kEventCycles && (ebx_length == 0 || (leaf.ebx & 1))) {
        return "UnHalted Core Cycles is unavailable (CPUID.0AH.EBX bit 0)";
    }
    if (o.period == 0 || o.period >= (1ull << 31)) return "period must be 1..2^31-1";
    if (o.buffer == nullptr || o.capacity == 0) return "no sample buffer";
    g = State{o.buffer, o.capacity, 0, (0 - o.period) & 0xFFFFFFFFu,
              o.vector == 0 ? rt::kLvtDeliveryNmi : uint32_t{o.vector}};
    rt::set_pmi_handler(on_pmi, o.vector);
    rt::wrmsr(kPerfEvtSel0, 0);
    rt::wrmsr(kPmc0, g.reload);
    rt::wrmsr(kGlobalOvfCtrl, 1);
    rt::wrmsr(kGlobalCtrl, rt::rdmsr(kGlobalCtrl) | 1);
    rt::wrmsr(kPerfEvtSel0, (o.event & 0xFFFF) | kUsr | kInt | kEn);
    return nullptr;
}

Taken stop() {
    rt::wrmsr(kPerfEvtSel0, 0);
    rt::wrmsr(kGlobalOvfCtrl, 1);
    rt::lvtpc_write(g.lvtpc | rt::kLvtMasked);
    return Taken{g.samples, g.samples < g.capacity ? g.samples : g.capacity};
}

}  // namespace prof
