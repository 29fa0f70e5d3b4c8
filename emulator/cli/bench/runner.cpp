#include "cli/bench/runner.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/bench/process.h"

namespace vpmu::cli::bench {
namespace {

constexpr const char* kVmMemMib = "160";  // memsweep's largest working set (32 MiB) and the sample buffer fit

std::string last_line(const std::string& text) {
    std::size_t end = text.find_last_not_of('\n');
    if (end == std::string::npos) return "";
    const std::size_t start = text.rfind('\n', end);
    return text.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

// "[vmK] " prefix of --vms consoles: K, else 0.
unsigned vm_index(std::string_view& line) {
    if (line.substr(0, 3) != "[vm") return 0;
    const std::size_t close = line.find("] ");
    if (close == std::string_view::npos) return 0;
    const unsigned k = static_cast<unsigned>(std::strtoul(std::string(line.substr(3, close - 3)).c_str(), nullptr, 10));
    line.remove_prefix(close + 2);
    return k;
}

}  // namespace

const char* setup_name(Setup s) {
    switch (s) {
    case Setup::native: return "native";
    case Setup::native_profile: return "native-profile";
    case Setup::vm_none: return "vm-none";
    case Setup::vm_count: return "vm-count";
    case Setup::vm_sample: return "vm-sample";
    case Setup::vm_tick: return "vm-tick";
    case Setup::vm_multi: return "vm-multi";
    case Setup::vm_kinst: return "vm-kinst";
    }
    return "?";
}

std::string setup_key(const RunSpec& r) {
    std::string key = setup_name(r.setup);
    if (r.hz) key += "-" + std::to_string(r.hz);
    return key;
}

std::uint64_t period_for(std::uint32_t hz, std::uint32_t tsc_khz) {
    return hz == 0 ? 0 : std::uint64_t{tsc_khz} * 1000 / hz;
}

std::vector<std::string> command_line(const RunSpec& r, const RunEnv& env) {
    const std::string workload = "workload=" + r.workload, scale = "scale=" + std::to_string(r.scale),
                      ws = "ws=" + std::to_string(r.ws_kib ? r.ws_kib : 1024);
    const std::string period = "period=" + std::to_string(period_for(r.hz, env.tsc_khz));
    if (r.setup == Setup::native || r.setup == Setup::native_profile) {
        std::vector<std::string> a{env.native, workload, scale, ws, "cpu=" + std::to_string(env.cpu)};
        if (r.setup == Setup::native_profile) {
            a.push_back(period);
            a.push_back("tsc_khz=" + std::to_string(env.tsc_khz));
            a.push_back("top=100");
        }
        return a;
    }
    std::vector<std::string> a{env.vpmu, "run", "--mem", kVmMemMib, "--timeout", "900", "--json", env.stats_file};
    if (r.setup == Setup::vm_multi) {
        a.insert(a.end(), {"--vms", std::to_string(r.vms), "--pin", "0,1"});
    } else {
        a.insert(a.end(), {"--pin", std::to_string(env.cpu)});
    }
    if (r.setup == Setup::vm_none || r.setup == Setup::vm_tick) a.insert(a.end(), {"--pmu", "off"});
    if (r.setup == Setup::vm_tick) a.insert(a.end(), {"--tick-hz", std::to_string(r.hz)});
    if (r.setup == Setup::vm_kinst) a.insert(a.end(), {"--backend", "precise"});
    a.insert(a.end(), {env.guest, "--", workload, scale, ws});
    switch (r.setup) {
    case Setup::vm_count: a.push_back("mode=count"); break;
    case Setup::vm_sample:
    case Setup::vm_multi:
        a.insert(a.end(), {"mode=sample", period, "top=100"});
        break;
    case Setup::vm_kinst: a.push_back("mode=kinst"); break;
    default: a.push_back("mode=none"); break;
    }
    return a;
}

Result<RunResult> execute(const RunSpec& r, const RunEnv& env) {
    const std::vector<std::string> argv = command_line(r, env);
    std::string shown;
    for (const std::string& a : argv) shown += (shown.empty() ? "" : " ") + a;
    const bool vm = argv[0] == env.vpmu;
    if (vm) std::remove(env.stats_file.c_str());
    auto run = run_process(argv);
    if (!run) return make_error(shown + ": " + run.error().message);
    RunResult out;
    std::istringstream lines(run->out);
    std::string error_line;
    for (std::string raw; std::getline(lines, raw);) {
        std::string_view line = raw;
        const unsigned k = vm_index(line);
        const bool result = line.substr(0, 7) == "RESULT ", profile = line.substr(0, 8) == "PROFILE ";
        if (line.substr(0, 7) == "ERROR: ") error_line = std::string(line);
        if (!result && !profile) continue;
        auto json = parse_json(line.substr(result ? 7 : 8));
        if (!json) return make_error(shown + ": cannot read its output: " + json.error().message);
        auto& list = result ? out.results : out.profiles;
        if (list.size() <= k) list.resize(k + 1);
        list[k] = std::move(*json);
    }
    if (run->status != 0 || out.results.empty()) {
        const std::string why = !error_line.empty() ? error_line : last_line(run->err);
        return make_error(shown + ": exit status " + std::to_string(run->status) + (why.empty() ? "" : ": " + why));
    }
    const Json& first = out.results[0];
    out.us = vm ? first.number("tsc_ticks") * 1000.0 / first.number("tsc_khz", 1) : first.number("ns") / 1000.0;
    if (vm) {
        std::ifstream file(env.stats_file);
        std::stringstream text;
        text << file.rdbuf();
        if (auto stats = parse_json(text.str())) out.stats = std::move(*stats);
    }
    return out;
}

}  // namespace vpmu::cli::bench
