// `vpmu bench`: runs the experiment matrix (bench/experiment.h) through
// `vpmu run` and the native workload program, prints the table, and writes
// the JSON (--json) and the plots (--plots).
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/bench/analysis.h"
#include "cli/bench/plots.h"
#include "cli/bench/process.h"
#include "cli/bench/report.h"
#include "cli/bench/runner.h"
#include "cli/commands.h"
#include "cli/run_json.h"
#include "devices/vm_stop.h"

#ifndef VPMU_WORKLOADS_GUEST
#define VPMU_WORKLOADS_GUEST "workloads.elf"
#endif
#ifndef VPMU_WORKLOADS_NATIVE
#define VPMU_WORKLOADS_NATIVE "workloads-native"
#endif

namespace vpmu::cli {

namespace {

using namespace bench;

std::string bench_usage() {
    return R"(usage: vpmu bench [--quick] [--json FILE] [--plots DIR] [--quiet] [options]

The overhead/accuracy experiments of the in-guest profiler (SysOptic's
Figs. 7-12 on this host). Each workload of guests/workloads (pi,
matrixprod, crc16, ackermann, compute = computea/computeb 70/30, memsweep)
runs natively pinned to a host CPU, in a VM without PMU (--pmu off), in a
VM counting cycles, sampled by the in-guest profiler at 1 and 4 kHz of
cycles, and in a VM without PMU stopped by a bare host timer at the same
rates (vpmu run --tick-hz: the floor of a sample). Then: sample counts vs
period, a memsweep working-set sweep, several VMs sampling at once
(--vms), and the guest-kernel instructions of one sample (precise backend).
Runs repeat, interleaved; figures are medians, ratios come from this run.

options:
  --quick          small size: scale 30, 3 repeats, 2 VMs (a few minutes);
                   without it: scale 200, 5 repeats, 4 VMs (real runs)
  --json FILE      the figures as JSON (vm_over_native, counting_overhead,
                   sampling_overhead_1khz, sampling_overhead_4khz,
                   sample_cost_us, floor_cost_us, ... per workload)
  --plots DIR      SVG plots: ratios, samples_vs_period, shares, events, memsweep
  --quiet          no progress lines on standard error
  --repeats N      override the repeats; --scale N  override the scale
  --cpu N          host CPU for the native runs and the VM's vCPU (default 1)
  --guest FILE     the workloads guest (default: the build's workloads.elf)
  --native FILE    the native workload program (default: the build's workloads-native)
  -h, --help       this text

exit status: 0, 1 when a run failed (its command and reason on standard
error), 125 bad usage.
)";
}

struct Parsed {
    BenchOptions options;
    bool help = false;
};

Result<Parsed> parse(const std::vector<std::string>& args) {
    Parsed p;
    BenchOptions& o = p.options;
    o.guest = VPMU_WORKLOADS_GUEST;
    o.native = VPMU_WORKLOADS_NATIVE;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> Result<std::string> {
            if (i + 1 >= args.size()) return make_error(a + " needs a value");
            return args[++i];
        };
        auto number = [&](unsigned max) -> Result<unsigned> {
            auto v = value();
            if (!v) return v.error();
            char* end = nullptr;
            const unsigned long n = std::strtoul(v->c_str(), &end, 10);
            if (v->empty() || *end != '\0' || n < 1 || n > max) {
                return make_error(a + ": '" + *v + "' is not a number in 1.." + std::to_string(max));
            }
            return static_cast<unsigned>(n);
        };
        if (a == "--quick") {
            o.quick = true;
        } else if (a == "--quiet") {
            o.quiet = true;
        } else if (a == "-h" || a == "--help") {
            p.help = true;
        } else if (a == "--json" || a == "--plots" || a == "--guest" || a == "--native") {
            auto v = value();
            if (!v) return v.error();
            (a == "--json" ? o.json : a == "--plots" ? o.plots : a == "--guest" ? o.guest : o.native) = *v;
        } else if (a == "--repeats" || a == "--scale") {
            auto n = number(a == "--repeats" ? 50 : 100000);
            if (!n) return n.error();
            (a == "--repeats" ? o.repeats : o.scale) = *n;
        } else if (a == "--cpu") {
            const long cpus = ::sysconf(_SC_NPROCESSORS_CONF);
            auto n = number(1024);
            if (!n && args[i] == "0") {
                o.cpu = 0;
                continue;
            }
            if (!n) return n.error();
            if (static_cast<long>(*n) >= cpus) return make_error("--cpu " + std::to_string(*n) + ": this host has " + std::to_string(cpus) + " CPUs");
            o.cpu = static_cast<int>(*n);
        } else {
            return make_error("unknown option '" + a + "'");
        }
    }
    return p;
}

int usage_error(const std::string& message) {
    std::fprintf(stderr, "vpmu bench: %s (see 'vpmu bench --help')\n", message.c_str());
    return dev::kStatusBadUsage;
}

// The whole matrix, in the order it runs (repeats interleaved).
std::vector<RunSpec> schedule(const Plan& plan) {
    std::vector<RunSpec> runs;
    for (unsigned rep = 0; rep < plan.repeats; ++rep) {
        for (const std::string& w : plan.workloads) {
            const std::uint64_t ws = w == "memsweep" ? 1024 : 0;
            runs.push_back({Setup::vm_none, w, plan.scale, ws, 0, 1});
            runs.push_back({Setup::native, w, plan.scale, ws, 0, 1});
            runs.push_back({Setup::vm_count, w, plan.scale, ws, 0, 1});
            for (std::uint32_t hz : plan.rates) {
                runs.push_back({Setup::vm_sample, w, plan.scale, ws, hz, 1});
                runs.push_back({Setup::vm_tick, w, plan.scale, ws, hz, 1});
            }
            if (!plan.rates.empty()) runs.push_back({Setup::native_profile, w, plan.scale, ws, plan.rates[0], 1});
        }
        for (std::uint32_t hz : plan.sweep_rates) {
            bool in_matrix = false;
            for (std::uint32_t r : plan.rates) in_matrix |= r == hz;
            if (!in_matrix) runs.push_back({Setup::vm_sample, "compute", plan.scale, 0, hz, 1});
        }
        for (std::uint64_t ws : plan.working_sets) {
            runs.push_back({Setup::vm_none, "memsweep", plan.sweep_scale, ws, 0, 1, true});
            runs.push_back({Setup::native, "memsweep", plan.sweep_scale, ws, 0, 1, true});
        }
    }
    if (!plan.rates.empty()) runs.push_back({Setup::vm_multi, "compute", plan.scale, 0, plan.rates[0], plan.vms});
    runs.push_back({Setup::vm_kinst, "compute", 200, 0, 0, 1});
    return runs;
}

// Where a run's result goes in Measurements.
std::string workload_key(const RunSpec& r) {
    return r.ws_sweep ? "memsweep-" + std::to_string(r.ws_kib) : r.workload;
}

}  // namespace

Plan bench::make_plan(const BenchOptions& o) {
    Plan p;
    p.workloads = {"pi", "matrixprod", "crc16", "ackermann", "compute", "memsweep"};
    p.scale = o.scale.value_or(o.quick ? 30 : 200);
    p.repeats = o.repeats.value_or(o.quick ? 3 : 5);
    p.rates = {1000, 4000};
    p.sweep_rates = {100, 400, 1000, 4000, 10000};
    p.working_sets = o.quick ? std::vector<std::uint64_t>{16, 256, 4096, 32768}
                             : std::vector<std::uint64_t>{16, 64, 256, 1024, 4096, 16384, 65536};
    p.sweep_scale = o.quick ? 10 : 30;
    p.vms = o.quick ? 2 : 4;
    return p;
}

int bench_command(const std::vector<std::string>& args) {
    auto parsed = parse(args);
    if (!parsed) return usage_error(parsed.error().message);
    if (parsed->help) {
        std::fputs(bench_usage().c_str(), stdout);
        return 0;
    }
    const BenchOptions& o = parsed->options;
    for (const std::string* f : {&o.guest, &o.native}) {
        if (::access(f->c_str(), R_OK) != 0) {
            return usage_error(*f + " is not there (build the guests, or give --guest/--native)");
        }
    }
    const Plan plan = make_plan(o);
    RunEnv env{self_executable(), o.guest, o.native,
               "/tmp/vpmu-bench-" + std::to_string(::getpid()) + ".json", 0, o.cpu};
    std::string command = "vpmu bench";
    for (const std::string& a : args) command += " " + a;

    Measurements m;
    const std::vector<RunSpec> runs = schedule(plan);
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const RunSpec& r = runs[i];
        if (r.setup == Setup::native_profile && env.tsc_khz == 0) continue;  // cannot happen: VMs run first
        auto result = execute(r, env);
        if (!result) {
            std::fprintf(stderr, "vpmu bench: %s\n", result.error().message.c_str());
            std::remove(env.stats_file.c_str());
            return 1;
        }
        if (!result->results.empty() && env.tsc_khz == 0) {
            env.tsc_khz = static_cast<std::uint32_t>(result->results[0].number("tsc_khz"));
            m.tsc_khz = env.tsc_khz;
        }
        if (!o.quiet) {
            std::fprintf(stderr, "[bench %3zu/%zu] %-10s %-18s %9.1f ms\n", i + 1, runs.size(),
                         workload_key(r).c_str(), setup_key(r).c_str(), result->us / 1000);
        }
        if (r.setup == Setup::vm_kinst) {
            m.kinst = result->results[0];
        } else {
            m.runs[workload_key(r)][setup_key(r)].push_back(std::move(*result));
        }
    }
    std::remove(env.stats_file.c_str());

    const Summary summary = analyse(plan, m);
    std::fputs(format_table(plan, summary).c_str(), stdout);
    int status = 0;
    if (!o.json.empty()) {
        if (auto ok = write_text_file(o.json, format_json(plan, summary, command)); !ok) {
            std::fprintf(stderr, "vpmu bench: --json %s\n", ok.error().message.c_str());
            status = 1;
        }
    }
    if (!o.plots.empty()) {
        auto written = write_plots(summary, o.plots);
        if (!written) {
            std::fprintf(stderr, "vpmu bench: %s\n", written.error().message.c_str());
            status = 1;
        } else if (!o.quiet) {
            for (const std::string& path : *written) std::fprintf(stderr, "vpmu bench: wrote %s\n", path.c_str());
        }
    }
    return status;
}

}  // namespace vpmu::cli
