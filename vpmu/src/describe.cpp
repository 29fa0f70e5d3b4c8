#include "vpmu/describe.h"

#include <sstream>
#include <vector>

#include "vpmu/hex.h"
#include "vpmu/cpuid.h"
#include "vpmu/events.h"
#include "vpmu/fake_backend.h"
#include "vpmu/msr.h"
#include "vpmu/vpmu.h"

namespace vpmu {
namespace {

struct MsrRow {
    std::uint32_t index;
    std::string name;
    bool present = false;
    std::uint64_t reset_value = 0;
    std::uint64_t writable = 0;  // bits a single-bit WRMSR accepts
};

std::string msr_name(std::uint32_t m) {
    auto numbered = [&](const char* base, std::uint32_t first) {
        return std::string(base) + std::to_string(m - first);
    };
    if (m >= msr::kPmc0 && m < msr::kPmc0 + msr::kMaxGpCounters) return numbered("IA32_PMC", msr::kPmc0);
    if (m >= msr::kAPmc0 && m < msr::kAPmc0 + msr::kMaxGpCounters) return numbered("IA32_A_PMC", msr::kAPmc0);
    if (m >= msr::kPerfEvtSel0 && m < msr::kPerfEvtSel0 + msr::kMaxGpCounters) {
        return numbered("IA32_PERFEVTSEL", msr::kPerfEvtSel0);
    }
    if (m >= msr::kFixedCtr0 && m < msr::kFixedCtr0 + msr::kMaxFixedCounters) {
        return numbered("IA32_FIXED_CTR", msr::kFixedCtr0);
    }
    switch (m) {
    case msr::kPerfCapabilities: return "IA32_PERF_CAPABILITIES";
    case msr::kFixedCtrCtrl: return "IA32_FIXED_CTR_CTRL";
    case msr::kGlobalStatus: return "IA32_PERF_GLOBAL_STATUS";
    case msr::kGlobalCtrl: return "IA32_PERF_GLOBAL_CTRL";
    case msr::kGlobalOvfCtrl: return "IA32_PERF_GLOBAL_OVF_CTRL/STATUS_RESET";
    case msr::kGlobalStatusSet: return "IA32_PERF_GLOBAL_STATUS_SET";
    case msr::kGlobalInUse: return "IA32_PERF_GLOBAL_INUSE";
    case msr::kDebugCtl: return "IA32_DEBUGCTL";
    default: return "?";
    }
}

// The map is read off the model itself, so it cannot drift from what a
// guest gets: each MSR is read for its reset value, then probed one bit at
// a time for what a write accepts.
std::vector<MsrRow> probe_msrs(const PmuConfig& config) {
    std::vector<MsrRow> rows;
    FakeBackend backend;
    Vpmu pmu(backend);
    for (const msr::Range& range : msr::kOwnedMsrRanges) {
        for (std::uint32_t m = range.first; m < range.first + range.count; ++m) {
            pmu.configure(config);
            MsrRow row{m, msr_name(m)};
            auto value = pmu.rdmsr(MsrIndex{m});
            row.present = value.has_value();
            row.reset_value = value.value_or(0);
            for (unsigned bit = 0; bit < 64 && row.present; ++bit) {
                pmu.configure(config);
                if (pmu.wrmsr(MsrIndex{m}, std::uint64_t{1} << bit) == Access::ok) {
                    row.writable |= std::uint64_t{1} << bit;
                }
            }
            rows.push_back(row);
        }
    }
    return rows;
}

std::string event_availability(std::uint32_t ebx, unsigned length) {
    std::string text;
    for (const ArchEventInfo& info : arch_events()) {
        unsigned bit = static_cast<unsigned>(info.event);
        if (bit >= length) break;
        bool available = !(ebx & (1u << bit));
        text += "    " + std::string(available ? "yes " : "no  ") + std::string(info.name) + "\n";
    }
    return text;
}

PmuConfig with_unavailable(PmuConfig config, std::uint32_t unavailable) {
    if (config.enabled) config.unavailable_events |= unavailable & ((1u << config.event_vector_length()) - 1);
    return config;
}

}  // namespace

std::string describe_pmu(const PmuConfig& base, std::uint32_t unavailable_events) {
    PmuConfig config = with_unavailable(base, unavailable_events);
    CpuidLeaf leaf = encode_cpuid_0a(config);
    std::ostringstream out;
    out << "PMU " << config.to_spec() << "\n";
    out << "CPUID.0AH: EAX=" << to_hex(leaf.eax) << " EBX=" << to_hex(leaf.ebx) << " ECX=" << to_hex(leaf.ecx)
        << " EDX=" << to_hex(leaf.edx) << "\n";
    if (!config.enabled) {
        out << "  no architectural PMU; every PMU MSR raises #GP\n";
        return out.str();
    }
    out << "  version " << config.version << ", " << config.gp_counters << " GP counters x "
        << config.gp_width << " bits, " << config.fixed_counters << " fixed counters x "
        << config.fixed_width << " bits\n";
    out << "  architectural events (EBX):\n" << event_availability(leaf.ebx, config.event_vector_length());
    out << "CPUID.01H:ECX.PDCM (IA32_PERF_CAPABILITIES present): " << (config.version >= 2 ? 1 : 0) << "\n";
    out << "MSRs (reset value, bits a write accepts; others raise #GP):\n";
    std::size_t absent = 0;
    for (const MsrRow& row : probe_msrs(config)) {
        if (!row.present) {
            ++absent;
            continue;
        }
        char line[160];
        std::snprintf(line, sizeof line, "  %#6x  %-40s reset %-18s writes %s\n", row.index,
                      row.name.c_str(), to_hex(row.reset_value).c_str(),
                      row.writable ? to_hex(row.writable).c_str() : "read-only");
        out << line;
    }
    out << "  (" << absent << " other PMU MSR indices raise #GP)\n";
    return out.str();
}

std::string describe_pmu_json(const PmuConfig& base, std::uint32_t unavailable_events) {
    PmuConfig config = with_unavailable(base, unavailable_events);
    CpuidLeaf leaf = encode_cpuid_0a(config);
    std::ostringstream out;
    out << "{\"spec\":\"" << config.to_spec() << "\",\"cpuid_0a\":{\"eax\":" << leaf.eax
        << ",\"ebx\":" << leaf.ebx << ",\"ecx\":" << leaf.ecx << ",\"edx\":" << leaf.edx << "},\"msrs\":[";
    bool first = true;
    for (const MsrRow& row : probe_msrs(config)) {
        out << (first ? "" : ",") << "{\"index\":" << row.index << ",\"name\":\"" << row.name
            << "\",\"present\":" << (row.present ? "true" : "false");
        // 64-bit values as hex strings: JSON numbers lose bits above 2^53.
        if (row.present) {
            out << ",\"reset\":\"" << to_hex(row.reset_value) << "\",\"writable_bits\":\""
                << to_hex(row.writable) << "\"";
        }
        out << "}";
        first = false;
    }
    out << "]}\n";
    return out.str();
}

}  // namespace vpmu
