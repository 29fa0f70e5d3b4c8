// Synchronizer throughput and memory.
//  - BM_HullSync: pairs per second into the convex hulls alone, and how
//    many vertices they keep (memory bounded by the hulls).
//  - BM_SynchronizeTraces: `synchronize()` over synthetic CTF traces of N
//    exchanges (~13 events each) read through libbabeltrace2: events per
//    second, and the process's peak RSS after it, which stays flat as N
//    grows (run in increasing N; ru_maxrss only grows).
//   build/bench/bench_trace_sync
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <filesystem>
#include <map>
#include <string>

#include "synthetic_traces.h"
#include "trace/sync.h"

namespace {

using namespace vpmu::trace;

double maxrss_mib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_maxrss) / 1024.0;
}

void BM_HullSync(benchmark::State& state) {
    test::SyntheticClocks c;
    test::ExchangeGenerator gen(c);
    const auto n = state.range(0);
    std::vector<test::Exchange> ex;
    ex.reserve(static_cast<std::size_t>(n));
    for (std::int64_t k = 0; k < n; ++k) ex.push_back(gen.at(k * 100'000));
    std::size_t hull = 0;
    for (auto _ : state) {
        HullSync sync;
        for (const auto& e : ex) {
            sync.add_guest_to_host(e.a_guest, e.b_host);
            sync.add_host_to_guest(e.c_host, e.d_guest);
        }
        const auto r = sync.result();
        benchmark::DoNotOptimize(r.transform.slope);
        hull = sync.hull_points();
    }
    state.SetItemsProcessed(state.iterations() * n * 2);
    state.counters["hull_vertices"] = double(hull);
}
BENCHMARK(BM_HullSync)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

struct TraceSet {
    std::string dir;
    std::uint64_t events = 0;
};

TraceSet& traces(int exchanges) {
    static std::map<int, TraceSet> sets;
    auto it = sets.find(exchanges);
    if (it != sets.end()) return it->second;
    TraceSet s;
    s.dir = (std::filesystem::temp_directory_path() / "vpmu-sync-bench-XXXXXX").string();
    if (!mkdtemp(s.dir.data())) std::abort();
    test::SyntheticRun run;
    run.exchanges = exchanges;
    run.period_ns = 100'000;
    const auto n = test::write_synthetic_traces(run, s.dir + "/host", s.dir + "/guest");
    s.events = n.host_events + n.guest_events;
    return sets.emplace(exchanges, s).first->second;
}

void BM_SynchronizeTraces(benchmark::State& state) {
    const TraceSet& t = traces(static_cast<int>(state.range(0)));
    for (auto _ : state) {
        auto r = synchronize(t.dir + "/host", t.dir + "/guest");
        if (!r) {
            state.SkipWithError(r.error().message.c_str());
            return;
        }
        benchmark::DoNotOptimize(r->hull.transform.slope);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(t.events));
    state.counters["events"] = double(t.events);
    state.counters["maxrss_MiB"] = maxrss_mib();
}
BENCHMARK(BM_SynchronizeTraces)->Arg(10'000)->Arg(100'000)->Arg(400'000)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
