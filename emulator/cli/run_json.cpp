#include "cli/run_json.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "vmm/exit_dispatch.h"

namespace vpmu::cli {
namespace {

std::string u(std::uint64_t v) { return std::to_string(v); }

std::string us(std::uint64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1000.0);
    return buf;
}

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) >= 0x20) {
            out += c;
        }
    }
    return out + "\"";
}

std::string vm_json(const vmm::VmReport& r) {
    const vmm::ExitStats& s = r.stats;
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.6f", r.seconds);
    std::string out = "{\"name\":" + quoted(r.name) + ",\"status\":" + std::to_string(r.outcome.status) +
                      ",\"seconds\":" + seconds + ",\"run_us\":" + us(s.run_ns) +
                      ",\"exits_total\":" + u(s.total_exits()) + ",\"exits\":{";
    bool first = true;
    for (std::size_t i = 0; i < s.kinds.size(); ++i) {
        const vmm::ExitKindStats& k = s.kinds[i];
        if (k.count == 0) continue;
        out += (first ? "" : ",") + quoted(vmm::exit_kind_name(i)) + ":{\"count\":" + u(k.count) +
               ",\"vmm_us\":" + us(k.vmm_ns) + ",\"max_us\":" + us(k.max_ns) + "}";
        first = false;
    }
    out += "},\"msrs\":{";
    first = true;
    for (const auto& [index, m] : s.msrs) {
        char name[16];
        std::snprintf(name, sizeof name, "0x%x", index);
        out += (first ? "\"" : ",\"") + std::string(name) + "\":{\"reads\":" + u(m.reads) +
               ",\"writes\":" + u(m.writes) + ",\"faults\":" + u(m.faults) + "}";
        first = false;
    }
    out += "},\"pmi\":{\"delivered\":" + u(s.pmi.delivered()) + ",\"nmi\":" + u(s.pmi.nmi) +
           ",\"vector\":" + u(s.pmi.vector) + ",\"masked\":" + u(s.pmi.masked) +
           ",\"unsupported\":" + u(s.pmi.unsupported) + ",\"throttled\":" + u(s.pmi.throttled) +
           "},\"ticks\":" + u(s.ticks) + ",\"counters_refused\":" + u(s.counters_refused) +
           ",\"unclaimed_io\":" + u(s.unclaimed_io) + ",\"non_pmu_msr\":" + u(s.non_pmu_msr) + "}";
    return out;
}

}  // namespace

std::string run_report_json(const std::vector<vmm::VmReport>& vms, const std::vector<PoolReport>& pools) {
    std::string out = "{\"vms\":[";
    for (std::size_t i = 0; i < vms.size(); ++i) out += (i ? "," : "") + vm_json(vms[i]);
    out += "],\"pools\":[";
    for (std::size_t i = 0; i < pools.size(); ++i) {
        const PoolReport& p = pools[i];
        out += std::string(i ? "," : "") + "{\"cpu\":" + std::to_string(p.cpu) + ",\"slots\":" + u(p.slots) +
               ",\"binds\":" + u(p.stats.binds) + ",\"releases\":" + u(p.stats.releases) +
               ",\"rotations\":" + u(p.stats.rotations) + ",\"bind_failures\":" + u(p.stats.bind_failures) + "}";
    }
    return out + "]}\n";
}

Result<void> write_text_file(const std::string& path, const std::string& text) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    if (!f) return make_error(path + ": " + std::strerror(errno));
    const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    const bool closed = std::fclose(f) == 0;
    if (!written || !closed) return make_error(path + ": write failed");
    return {};
}

}  // namespace vpmu::cli
