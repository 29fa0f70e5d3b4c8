#include "cli/bench/plots.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "cli/bench/svg.h"
#include "cli/run_json.h"

namespace vpmu::cli::bench {
namespace {

std::string rate(std::uint32_t hz) { return hz % 1000 == 0 ? std::to_string(hz / 1000) + " kHz" : std::to_string(hz) + " Hz"; }

BarChart ratios(const Summary& s) {
    BarChart c{"Run-time overhead per workload (medians)", "overhead, % of the reference", {}, {}};
    c.series.push_back({"VM (no PMU) vs native", {}, {}, false});
    c.series.push_back({"counting vs VM", {}, {}, false});
    for (std::uint32_t hz : s.rates) c.series.push_back({"sampling " + rate(hz) + " vs VM", {}, {}, false});
    for (std::uint32_t hz : s.rates) c.series.push_back({"bare ticks " + rate(hz) + " vs VM", {}, {}, false});
    for (const WorkloadFigures& f : s.workloads) {
        c.categories.push_back(f.workload);
        std::size_t i = 0;
        c.series[i++].values.push_back((f.none_us / f.native_us - 1) * 100);
        c.series[i++].values.push_back((f.count_us / f.none_us - 1) * 100);
        for (std::uint32_t hz : s.rates) c.series[i++].values.push_back((f.sample_us.at(hz) / f.none_us - 1) * 100);
        for (std::uint32_t hz : s.rates) c.series[i++].values.push_back((f.tick_us.at(hz) / f.none_us - 1) * 100);
    }
    return c;
}

XyChart sweep(const Summary& s) {
    XyChart c{"Samples vs sampling period (compute, in-guest profiler)", "period, cycles", "samples", true, true, {}};
    Series measured{"samples taken", {}, {}, false}, ideal{"counted cycles / period", {}, {}, true};
    for (const SweepPoint& p : s.sweep) {
        measured.points.emplace_back(p.period, p.samples);
        ideal.points.emplace_back(p.period, p.expected);
    }
    c.series = {measured, ideal};
    return c;
}

BarChart shares(const Summary& s) {
    BarChart c{"Samples per function: in-guest profiler vs native (same time-based method)", "% of the workload's samples",
               {}, {{"VM", {}, {}, false}, {"native", {}, {}, false}}};
    for (const auto& [workload, rows] : s.shares) {
        for (std::size_t i = 0; i < rows.size() && i < 2; ++i) {
            c.categories.push_back(rows[i].symbol);
            c.series[0].values.push_back(rows[i].vm_percent);
            c.series[1].values.push_back(rows[i].native_percent);
        }
    }
    return c;
}

BarChart events(const Summary& s) {
    BarChart c{"Events counted in the VM (user mode) / native thread CPU time x TSC rate", "ratio",
               {}, {{"PMC0 cycles", {}, {}, false}, {"PMC1 ref cycles", {}, {}, false},
                    {"FIXED_CTR1", {}, {}, false}, {"FIXED_CTR2", {}, {}, false}}};
    for (const WorkloadFigures& f : s.workloads) {
        c.categories.push_back(f.workload);
        c.series[0].values.push_back(f.cycles / f.native_cycles);
        c.series[1].values.push_back(f.ref_cycles / f.native_cycles);
        c.series[2].values.push_back(f.fixed1 / f.native_cycles);
        c.series[3].values.push_back(f.fixed2 / f.native_cycles);
    }
    return c;
}

XyChart memsweep(const Summary& s) {
    XyChart c{"Random pointer chase: time per hop vs working set", "working set, KiB", "ns per hop", true, false, {}};
    Series native{"native", {}, {}, false}, vm{"VM", {}, {}, false};
    for (const WorkingSetPoint& p : s.working_sets) {
        native.points.emplace_back(static_cast<double>(p.ws_kib), p.native_ns_per_hop);
        vm.points.emplace_back(static_cast<double>(p.ws_kib), p.vm_ns_per_hop);
    }
    c.series = {native, vm};
    return c;
}

}  // namespace

Result<std::vector<std::string>> write_plots(const Summary& s, const std::string& dir) {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
        return make_error("--plots " + dir + ": " + std::strerror(errno));
    }
    const std::vector<std::pair<std::string, std::string>> files = {
        {"ratios.svg", render(ratios(s))},   {"samples_vs_period.svg", render(sweep(s))},
        {"shares.svg", render(shares(s))},   {"events.svg", render(events(s))},
        {"memsweep.svg", render(memsweep(s))},
    };
    std::vector<std::string> written;
    for (const auto& [name, text] : files) {
        const std::string path = dir + "/" + name;
        if (auto ok = write_text_file(path, text); !ok) return ok.error();
        written.push_back(path);
    }
    return written;
}

}  // namespace vpmu::cli::bench
