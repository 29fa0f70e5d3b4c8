#include "cli/bench/analysis.h"

#include "cli/bench/runner.h"

#include <algorithm>
#include <cmath>

namespace vpmu::cli::bench {
namespace {

using Runs = std::vector<RunResult>;

const Runs* runs_of(const Measurements& m, const std::string& workload, const std::string& key) {
    auto w = m.runs.find(workload);
    if (w == m.runs.end()) return nullptr;
    auto r = w->second.find(key);
    return r == w->second.end() || r->second.empty() ? nullptr : &r->second;
}

template <class F>
double median_of(const Runs* runs, F f) {
    if (!runs) return NAN;
    std::vector<double> v;
    for (const RunResult& r : *runs) v.push_back(f(r));
    return median(v);
}

double run_us(const RunResult& r) { return r.us; }
double result_field(const RunResult& r, const char* key) { return r.results[0].number(key); }
double stat_field(const RunResult& r, const char* key) { return r.stats ? r.stats->get("vms")->items[0].number(key) : NAN; }
// Exits other than port I/O: the console output of a run (its profile
// table, its RESULT line) is not part of what sampling costs.
double non_io_exits(const RunResult& r) {
    if (!r.stats) return NAN;
    const Json& vm = r.stats->get("vms")->items[0];
    const Json* io = vm.get("exits") ? vm.get("exits")->get("io") : nullptr;
    return vm.number("exits_total") - (io ? io->number("count") : 0);
}
double msr_exits(const RunResult& r) {
    if (!r.stats) return NAN;
    const Json* exits = r.stats->get("vms")->items[0].get("exits");
    const Json* msr = exits ? exits->get("msr") : nullptr;
    return msr ? msr->number("count") : 0;
}

double geomean(const std::vector<double>& v) {
    double log_sum = 0;
    int n = 0;
    for (double x : v) {
        if (std::isfinite(x) && x > 0) {
            log_sum += std::log(x);
            ++n;
        }
    }
    return n ? std::exp(log_sum / n) : NAN;
}

// Samples per symbol summed over the repeats' profiles (VM `vm` of each run).
std::map<std::string, double> profile_counts(const Runs* runs, std::size_t vm = 0) {
    std::map<std::string, double> counts;
    if (!runs) return counts;
    for (const RunResult& r : *runs) {
        if (r.profiles.size() <= vm) continue;
        const Json* functions = r.profiles[vm].get("functions");
        if (!functions) continue;
        for (const Json& f : functions->items) counts[f.text("symbol")] += f.number("samples");
    }
    return counts;
}

double percent_of(const std::map<std::string, double>& counts, const std::string& symbol) {
    double total = 0;
    for (const auto& [s, n] : counts) total += n;
    auto it = counts.find(symbol);
    return total > 0 && it != counts.end() ? 100.0 * it->second / total : 0;
}

std::vector<ShareRow> shares(const std::map<std::string, double>& vm, const std::map<std::string, double>& native) {
    std::vector<ShareRow> rows;
    for (const auto& [symbol, n] : vm) rows.push_back({symbol, percent_of(vm, symbol), percent_of(native, symbol)});
    for (const auto& [symbol, n] : native) {
        if (!vm.count(symbol)) rows.push_back({symbol, 0, percent_of(native, symbol)});
    }
    std::sort(rows.begin(), rows.end(), [](const ShareRow& a, const ShareRow& b) {
        return std::max(a.vm_percent, a.native_percent) > std::max(b.vm_percent, b.native_percent);
    });
    return rows;
}

}  // namespace

double median(std::vector<double> v) {
    std::erase_if(v, [](double x) { return !std::isfinite(x); });
    if (v.empty()) return NAN;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

Summary analyse(const Plan& plan, const Measurements& m) {
    Summary s;
    s.tsc_khz = m.tsc_khz;
    s.rates = plan.rates;
    std::vector<double> vm_native, count_none, cycles_ratio;
    std::map<std::uint32_t, std::vector<double>> sample_none, tick_none;
    std::map<std::uint32_t, double> extra_sample_us, n_samples, extra_tick_us, n_ticks, sample_exits, sample_msr,
        tick_exits;
    for (const std::string& w : plan.workloads) {
        WorkloadFigures f;
        f.workload = w;
        f.native_us = median_of(runs_of(m, w, "native"), run_us);
        f.none_us = median_of(runs_of(m, w, "vm-none"), run_us);
        f.count_us = median_of(runs_of(m, w, "vm-count"), run_us);
        f.none_exits = median_of(runs_of(m, w, "vm-none"), non_io_exits);
        const Runs* count = runs_of(m, w, "vm-count");
        f.cycles = median_of(count, [](const RunResult& r) { return result_field(r, "pmc0"); });
        f.ref_cycles = median_of(count, [](const RunResult& r) { return result_field(r, "pmc1"); });
        f.fixed1 = median_of(count, [](const RunResult& r) { return result_field(r, "fixed1"); });
        f.fixed2 = median_of(count, [](const RunResult& r) { return result_field(r, "fixed2"); });
        f.native_cycles = median_of(runs_of(m, w, "native"), [](const RunResult& r) {
                              return result_field(r, "cpu_ns");
                          }) * m.tsc_khz / 1e6;
        for (std::uint32_t hz : plan.rates) {
            const Runs* sample = runs_of(m, w, "vm-sample-" + std::to_string(hz));
            const Runs* tick = runs_of(m, w, "vm-tick-" + std::to_string(hz));
            f.sample_us[hz] = median_of(sample, run_us);
            f.tick_us[hz] = median_of(tick, run_us);
            f.samples[hz] = median_of(sample, [](const RunResult& r) { return result_field(r, "samples"); });
            f.ticks[hz] = median_of(tick, [](const RunResult& r) { return stat_field(r, "ticks"); });
            f.sample_exits[hz] = median_of(sample, non_io_exits);
            f.sample_msr_exits[hz] = median_of(sample, msr_exits);
            f.tick_exits[hz] = median_of(tick, non_io_exits);
            sample_none[hz].push_back(f.sample_us[hz] / f.none_us);
            tick_none[hz].push_back(f.tick_us[hz] / f.none_us);
            extra_sample_us[hz] += f.sample_us[hz] - f.none_us;
            n_samples[hz] += f.samples[hz];
            extra_tick_us[hz] += f.tick_us[hz] - f.none_us;
            n_ticks[hz] += f.ticks[hz];
            sample_exits[hz] += f.sample_exits[hz] - f.none_exits;
            sample_msr[hz] += f.sample_msr_exits[hz];
            tick_exits[hz] += f.tick_exits[hz] - f.none_exits;
        }
        vm_native.push_back(f.none_us / f.native_us);
        count_none.push_back(f.count_us / f.none_us);
        cycles_ratio.push_back(f.cycles / f.native_cycles);
        if (!plan.rates.empty()) {
            const std::string key = "vm-sample-" + std::to_string(plan.rates[0]);
            s.shares[w] = shares(profile_counts(runs_of(m, w, key)),
                                 profile_counts(runs_of(m, w, "native-profile-" + std::to_string(plan.rates[0]))));
        }
        s.workloads.push_back(f);
    }
    s.vm_over_native = geomean(vm_native);
    s.counting_overhead = geomean(count_none) - 1;
    s.cycles_over_native = geomean(cycles_ratio);
    for (std::uint32_t hz : plan.rates) {
        s.sampling_overhead[hz] = geomean(sample_none[hz]) - 1;
        s.tick_overhead[hz] = geomean(tick_none[hz]) - 1;
        s.sample_cost_us[hz] = extra_sample_us[hz] / n_samples[hz];
        s.floor_cost_us[hz] = extra_tick_us[hz] / n_ticks[hz];
        s.exits_per_sample[hz] = sample_exits[hz] / n_samples[hz];
        s.msr_exits_per_sample[hz] = sample_msr[hz] / n_samples[hz];
        s.exits_per_tick[hz] = tick_exits[hz] / n_ticks[hz];
    }
    if (auto it = s.shares.find("compute"); it != s.shares.end()) {
        for (const ShareRow& r : it->second) {
            if (r.symbol == "wl::computea") {
                s.computea_vm_percent = r.vm_percent;
                s.computea_native_percent = r.native_percent;
            }
        }
    }
    // Sample count vs period (compute): the cycles the run counted / period is the ideal.
    for (std::uint32_t hz : plan.sweep_rates) {
        const Runs* r = runs_of(m, "compute", "vm-sample-" + std::to_string(hz));
        if (!r) r = runs_of(m, "compute-sweep", "vm-sample-" + std::to_string(hz));
        const double period = static_cast<double>(period_for(hz, m.tsc_khz));
        const double samples = median_of(r, [](const RunResult& x) { return result_field(x, "samples"); });
        // IA32_PMC1 counted the cycles of the sampled run itself.
        const double cycles = median_of(r, [](const RunResult& x) { return result_field(x, "pmc1"); });
        s.sweep.push_back({hz, period, samples, cycles / period});
    }
    for (std::uint64_t ws : plan.working_sets) {
        const std::string w = "memsweep-" + std::to_string(ws);
        const double hops = static_cast<double>(plan.sweep_scale) * (1u << 20);
        s.working_sets.push_back({ws, median_of(runs_of(m, w, "native"), run_us) * 1000 / hops,
                                  median_of(runs_of(m, w, "vm-none"), run_us) * 1000 / hops});
    }
    if (const Runs* multi = runs_of(m, "compute", "vm-multi-" + std::to_string(plan.rates.empty() ? 0 : plan.rates[0]))) {
        const RunResult& r = multi->front();
        for (std::size_t k = 0; k < r.results.size(); ++k) {
            std::map<std::string, double> counts = profile_counts(multi, k);
            s.multi.push_back({r.results[k].number("tsc_ticks") * 1000.0 / r.results[k].number("tsc_khz", 1),
                               r.results[k].number("samples"), percent_of(counts, "wl::computea")});
        }
        for (const WorkloadFigures& f : s.workloads) {
            if (f.workload == "compute" && !plan.rates.empty()) s.multi_single_us = f.sample_us.at(plan.rates[0]);
        }
    }
    if (m.kinst) s.kernel_instructions_per_sample = m.kinst->number("kernel_instructions_per_sample", -1);
    return s;
}

}  // namespace vpmu::cli::bench
