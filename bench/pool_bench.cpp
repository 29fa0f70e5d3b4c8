// Cost of the physical-PMC pool's operations: binding and releasing a slot
// and one rotation step, over the FakeBackend (the pool's own work) and
// over real perf events (the work plus the host's perf syscalls).
#include <benchmark/benchmark.h>

#include "vpmu/fake_backend.h"
#include "vpmu/perf_backend.h"
#include "vpmu/pmc_pool.h"

namespace {

using namespace vpmu;

constexpr CounterEvent kCycles{ArchEvent::core_cycles, 0x3C, true, true};
constexpr std::uint64_t kFar = std::uint64_t{1} << 40;
const PmcPool::Options kManual{2, std::chrono::hours(1)};

std::unique_ptr<CounterBackend> host_for(bool real) {
    if (!real) return std::make_unique<FakeBackend>();
    return std::move(PerfBackend::create(PerfBackend::Mode::time, 1000000)).value();
}

void BM_PoolBindRelease(benchmark::State& state) {
    auto host = host_for(state.range(0) != 0);
    PmcPool pool(kManual);
    auto client = pool.attach(*host);
    for (auto _ : state) {
        (void)client->start(CounterId::gp(0), kCycles, kFar);
        benchmark::DoNotOptimize(client->stop(CounterId::gp(0)));
    }
    state.SetLabel(state.range(0) ? "perf task-clock" : "fake");
}
BENCHMARK(BM_PoolBindRelease)->Arg(0)->Arg(1);

// 8 counters on 2 slots: each step releases 2 and binds 2.
void BM_PoolRotate(benchmark::State& state) {
    auto host = host_for(state.range(0) != 0);
    PmcPool pool(kManual);
    auto client = pool.attach(*host);
    for (unsigned i = 0; i < 8; ++i) (void)client->start(CounterId::gp(i), kCycles, kFar);
    for (auto _ : state) pool.rotate();
    state.SetLabel(state.range(0) ? "perf task-clock" : "fake");
}
BENCHMARK(BM_PoolRotate)->Arg(0)->Arg(1);

void BM_PoolReadUnmultiplexed(benchmark::State& state) {
    auto host = host_for(state.range(0) != 0);
    PmcPool pool(kManual);
    auto client = pool.attach(*host);
    (void)client->start(CounterId::gp(0), kCycles, kFar);
    for (auto _ : state) benchmark::DoNotOptimize(client->read(CounterId::gp(0)));
    state.SetLabel(state.range(0) ? "perf task-clock" : "fake");
}
BENCHMARK(BM_PoolReadUnmultiplexed)->Arg(0)->Arg(1);

}  // namespace
