// Cost of one host tracepoint, disabled and enabled (LTTng-UST's is
// ~100-150 ns per event). Enabled, the figure includes reading
// CLOCK_MONOTONIC and the amortized write() of each full 64 KiB packet.
//   build/bench/bench_trace_tracepoint --benchmark_repetitions=5
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <ctime>
#include <filesystem>
#include <string>

#include "trace/tracepoints.h"

namespace {

using namespace vpmu::trace;

void BM_TracepointDisabled(benchmark::State& state) {
    std::uint32_t i = 0;
    for (auto _ : state) {
        tp::vcpu_exit(0, 2, i++);
        benchmark::ClobberMemory();
    }
}
BENCHMARK(BM_TracepointDisabled);

// Runs `emit(i)` per iteration with a host trace recording into a
// temporary directory, then stops and removes the trace.
template <class Emit>
void with_enabled_trace(benchmark::State& state, Emit emit) {
    std::string dir = (std::filesystem::temp_directory_path() / "vpmu-bench-XXXXXX").string();
    if (!mkdtemp(dir.data())) {
        state.SkipWithError("mkdtemp failed");
        return;
    }
    auto trace = HostTrace::start(dir + "/host");
    if (!trace) {
        state.SkipWithError(trace.error().message.c_str());
        return;
    }
    std::uint32_t i = 0;
    for (auto _ : state) emit(i++);
    (void)(*trace)->stop();
    const auto stats = (*trace)->stats();
    state.counters["bytes_per_event"] = stats.events ? double(stats.bytes) / double(stats.events) : 0;
    state.SetItemsProcessed(state.iterations());
    trace->reset();
    std::filesystem::remove_all(dir);
}

void BM_TracepointEnabled(benchmark::State& state) {
    with_enabled_trace(state, [](std::uint32_t i) { tp::vcpu_exit(0, 2, i); });
}
BENCHMARK(BM_TracepointEnabled);

void BM_TracepointEnabledSyncEvent(benchmark::State& state) {
    with_enabled_trace(state, [](std::uint32_t i) { tp::vmsync_gh_host(i, 0x1234); });
}
BENCHMARK(BM_TracepointEnabledSyncEvent);

// The clock read alone, for reference.
void BM_ClockMonotonic(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(monotonic_ns());
}
BENCHMARK(BM_ClockMonotonic);

}  // namespace
