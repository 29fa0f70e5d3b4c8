#include "cli/bench/report.h"

#include <cmath>
#include <cstdio>

namespace vpmu::cli::bench {
namespace {

void line(std::string& out, const char* format, auto... args) {
    char buf[512];
    std::snprintf(buf, sizeof buf, format, args...);
    out += buf;
}

double pct(double fraction) { return fraction * 100; }

std::string hz_name(std::uint32_t hz) {
    return hz % 1000 == 0 ? std::to_string(hz / 1000) + "khz" : std::to_string(hz) + "hz";
}

const char* met(bool yes) { return yes ? "met" : "NOT met"; }

}  // namespace

std::string format_table(const Plan& plan, const Summary& s) {
    std::string out;
    line(out, "vpmu bench (%s): scale %llu (~10 ms/unit natively), %u repeats, medians; guest TSC %u kHz\n\n",
         plan.repeats >= 5 ? "full" : "quick", static_cast<unsigned long long>(plan.scale), plan.repeats, s.tsc_khz);
    out += "run time (ms) and ratios            native      VM  VM/nat  count/none";
    for (std::uint32_t hz : s.rates) line(out, "  s%-5s/none t%-5s/none", hz_name(hz).c_str(), hz_name(hz).c_str());
    out += "\n";
    for (const WorkloadFigures& f : s.workloads) {
        line(out, "  %-30s %8.1f %8.1f %7.4f %11.4f", f.workload.c_str(), f.native_us / 1000, f.none_us / 1000,
             f.none_us / f.native_us, f.count_us / f.none_us);
        for (std::uint32_t hz : s.rates) {
            line(out, " %12.4f %12.4f", f.sample_us.at(hz) / f.none_us, f.tick_us.at(hz) / f.none_us);
        }
        out += "\n";
    }
    out += "\nper sample / per tick stop (exits without port I/O)\n";
    out += "                                        samples   ticks  sample us  floor us  exits/sample  MSR exits/sample  exits/tick\n";
    for (const WorkloadFigures& f : s.workloads) {
        for (std::uint32_t hz : s.rates) {
            line(out, "  %-12s %-6s %19.0f %7.0f %10.1f %9.1f %13.2f %17.2f %11.2f\n", f.workload.c_str(),
                 hz_name(hz).c_str(), f.samples.at(hz), f.ticks.at(hz),
                 (f.sample_us.at(hz) - f.none_us) / f.samples.at(hz), (f.tick_us.at(hz) - f.none_us) / f.ticks.at(hz),
                 (f.sample_exits.at(hz) - f.none_exits) / f.samples.at(hz), f.sample_msr_exits.at(hz) / f.samples.at(hz),
                 (f.tick_exits.at(hz) - f.none_exits) / f.ticks.at(hz));
        }
    }
    out += "\nevents counted in the VM (user mode) vs native (thread CPU time x TSC rate)\n";
    out += "  workload          native cycles   PMC0 cycles   ratio   PMC1 ref     FIXED1       FIXED2\n";
    for (const WorkloadFigures& f : s.workloads) {
        line(out, "  %-14s %15.0f %13.0f %7.4f %10.0f %10.0f %12.0f\n", f.workload.c_str(), f.native_cycles, f.cycles,
             f.cycles / f.native_cycles, f.ref_cycles, f.fixed1, f.fixed2);
    }
    if (!s.rates.empty()) {
        line(out, "\nprofiles, samples per function (VM profiler at %s vs native task-clock sampling at the same rate)\n",
             hz_name(s.rates[0]).c_str());
        for (const auto& [workload, rows] : s.shares) {
            for (std::size_t i = 0; i < rows.size() && i < 4; ++i) {
                line(out, "  %-12s %-28s VM %6.2f%%  native %6.2f%%\n", i == 0 ? workload.c_str() : "",
                     rows[i].symbol.c_str(), rows[i].vm_percent, rows[i].native_percent);
            }
        }
    }
    out += "\nsample count vs period (compute)\n  rate     period      samples   counted cycles/period\n";
    for (const SweepPoint& p : s.sweep) {
        line(out, "  %-7s %10.0f %10.0f %12.1f\n", hz_name(p.hz).c_str(), p.period, p.samples, p.expected);
    }
    out += "\nmemsweep (random pointer chase), ns per hop\n  working set     native       VM    VM/native\n";
    for (const WorkingSetPoint& p : s.working_sets) {
        line(out, "  %8llu KiB %9.2f %9.2f %9.3f\n", static_cast<unsigned long long>(p.ws_kib), p.native_ns_per_hop,
             p.vm_ns_per_hop, p.vm_ns_per_hop / p.native_ns_per_hop);
    }
    if (!s.multi.empty()) {
        line(out, "\n%zu VMs sampling compute at once (Fig. 9; vCPUs on host CPUs 0,1); alone: %.1f ms\n", s.multi.size(),
             s.multi_single_us / 1000);
        for (std::size_t k = 0; k < s.multi.size(); ++k) {
            line(out, "  vm%zu  %8.1f ms  %6.0f samples  computea %6.2f%% (known: 70%%)\n", k, s.multi[k].us / 1000,
                 s.multi[k].samples, s.multi[k].computea_percent);
        }
    }
    out += "\nsummary (geometric means over the workloads; costs pooled: extra time / events)\n";
    line(out, "  vm_over_native            %.4f\n", s.vm_over_native);
    line(out, "  counting_overhead         %+.3f%%   goal <= %.1f%%: %s\n", pct(s.counting_overhead),
         pct(kCountingOverheadGoal), met(s.counting_overhead <= kCountingOverheadGoal));
    for (std::uint32_t hz : s.rates) {
        line(out, "  sampling_overhead_%-6s  %+.3f%%   (bare tick stops at the same rate: %+.3f%%)\n", hz_name(hz).c_str(),
             pct(s.sampling_overhead.at(hz)), pct(s.tick_overhead.at(hz)));
    }
    for (std::uint32_t hz : s.rates) {
        const double ratio = s.sample_cost_us.at(hz) / s.floor_cost_us.at(hz);
        line(out, "  at %-6s sample %.1f us, floor %.1f us: %.2fx the floor   goal <= %.2fx: %s\n", hz_name(hz).c_str(),
             s.sample_cost_us.at(hz), s.floor_cost_us.at(hz), ratio, kSampleCostGoal, met(s.floor_cost_us.at(hz) > 0 && ratio <= kSampleCostGoal));
        line(out, "            per sample: %.2f exits (%.2f MSR); per tick stop: %.2f exits\n", s.exits_per_sample.at(hz),
             s.msr_exits_per_sample.at(hz), s.exits_per_tick.at(hz));
    }
    line(out, "  guest-kernel instructions per sample (PMI path, precise backend): %.0f\n", s.kernel_instructions_per_sample);
    line(out, "  counted cycles / native cycles  %.4f\n", s.cycles_over_native);
    line(out, "  computea share: VM %.2f%%, native %.2f%%, known 70%%\n", s.computea_vm_percent, s.computea_native_percent);
    out += "  (SysOptic's 1.65% / 9.8% were measured on bare hardware: not comparable with this nested PVM host)\n";
    return out;
}

std::string format_json(const Plan& plan, const Summary& s, const std::string& command) {
    const std::uint32_t r1k = 1000, r4k = 4000;
    auto at = [](const std::map<std::uint32_t, double>& m, std::uint32_t k) {
        auto it = m.find(k);
        return it == m.end() ? NAN : it->second;
    };
    std::string out = "{\n";
    auto field = [&](const std::string& key, const std::string& value) { out += "  " + json_quote(key) + ": " + value + ",\n"; };
    auto num = [&](const std::string& key, double v) { field(key, json_number(v)); };
    field("command", json_quote(command));
    field("size", json_quote(plan.repeats >= 5 ? "full" : "quick"));
    num("scale", static_cast<double>(plan.scale));
    num("repeats", plan.repeats);
    num("tsc_khz", s.tsc_khz);
    num("vm_over_native", s.vm_over_native);
    num("counting_overhead", s.counting_overhead);
    num("sampling_overhead_1khz", at(s.sampling_overhead, r1k));
    num("sampling_overhead_4khz", at(s.sampling_overhead, r4k));
    num("sample_cost_us", at(s.sample_cost_us, r1k));
    num("floor_cost_us", at(s.floor_cost_us, r1k));
    num("sample_cost_over_floor", at(s.sample_cost_us, r1k) / at(s.floor_cost_us, r1k));
    num("sample_cost_4khz_us", at(s.sample_cost_us, r4k));
    num("floor_cost_4khz_us", at(s.floor_cost_us, r4k));
    num("tick_overhead_1khz", at(s.tick_overhead, r1k));
    num("tick_overhead_4khz", at(s.tick_overhead, r4k));
    num("exits_per_sample", at(s.exits_per_sample, r1k));
    num("msr_exits_per_sample", at(s.msr_exits_per_sample, r1k));
    num("exits_per_tick", at(s.exits_per_tick, r1k));
    num("kernel_instructions_per_sample", s.kernel_instructions_per_sample);
    num("cycles_over_native", s.cycles_over_native);
    num("computea_vm_percent", s.computea_vm_percent);
    num("computea_native_percent", s.computea_native_percent);
    field("goals", std::string("{\"counting_overhead_le_0.5pct\": ") +
                       (s.counting_overhead <= kCountingOverheadGoal ? "true" : "false") +
                       ", \"sample_cost_le_1.25x_floor\": " +
                       (at(s.floor_cost_us, r1k) > 0 && at(s.sample_cost_us, r1k) <= kSampleCostGoal * at(s.floor_cost_us, r1k) ? "true" : "false") + "}");
    std::string w = "[";
    for (const WorkloadFigures& f : s.workloads) {
        w += std::string(w.size() > 1 ? "," : "") + "\n    {\"workload\": " + json_quote(f.workload) +
             ", \"native_us\": " + json_number(f.native_us) + ", \"vm_none_us\": " + json_number(f.none_us) +
             ", \"vm_count_us\": " + json_number(f.count_us) + ", \"native_cycles\": " + json_number(f.native_cycles) +
             ", \"counted_cycles\": " + json_number(f.cycles) + ", \"counted_ref_cycles\": " + json_number(f.ref_cycles) +
             ", \"fixed1\": " + json_number(f.fixed1) + ", \"fixed2\": " + json_number(f.fixed2);
        for (std::uint32_t hz : s.rates) {
            const std::string h = std::to_string(hz);
            w += ", \"sample_" + h + "hz_us\": " + json_number(f.sample_us.at(hz)) + ", \"samples_" + h +
                 "hz\": " + json_number(f.samples.at(hz)) + ", \"tick_" + h + "hz_us\": " + json_number(f.tick_us.at(hz)) +
                 ", \"ticks_" + h + "hz\": " + json_number(f.ticks.at(hz));
        }
        w += ", \"shares\": [";
        const auto& rows = s.shares.at(f.workload);
        for (std::size_t i = 0; i < rows.size(); ++i) {
            w += std::string(i ? ", " : "") + "{\"symbol\": " + json_quote(rows[i].symbol) +
                 ", \"vm_percent\": " + json_number(rows[i].vm_percent) +
                 ", \"native_percent\": " + json_number(rows[i].native_percent) + "}";
        }
        w += "]}";
    }
    field("workloads", w + "\n  ]");
    std::string sweep = "[";
    for (const SweepPoint& p : s.sweep) {
        sweep += std::string(sweep.size() > 1 ? ", " : "") + "{\"hz\": " + std::to_string(p.hz) + ", \"period\": " +
                 json_number(p.period) + ", \"samples\": " + json_number(p.samples) + ", \"expected\": " +
                 json_number(p.expected) + "}";
    }
    field("samples_vs_period", sweep + "]");
    std::string ws = "[";
    for (const WorkingSetPoint& p : s.working_sets) {
        ws += std::string(ws.size() > 1 ? ", " : "") + "{\"ws_kib\": " + std::to_string(p.ws_kib) +
              ", \"native_ns_per_hop\": " + json_number(p.native_ns_per_hop) + ", \"vm_ns_per_hop\": " +
              json_number(p.vm_ns_per_hop) + "}";
    }
    field("memsweep", ws + "]");
    std::string multi = "[";
    for (const MultiVm& v : s.multi) {
        multi += std::string(multi.size() > 1 ? ", " : "") + "{\"us\": " + json_number(v.us) + ", \"samples\": " +
                 json_number(v.samples) + ", \"computea_percent\": " + json_number(v.computea_percent) + "}";
    }
    out += "  \"multi_vm\": " + multi + "],\n  \"multi_vm_alone_us\": " + json_number(s.multi_single_us) + "\n}\n";
    return out;
}

}  // namespace vpmu::cli::bench
