// Cost of one guest MSR access inside the model (FakeBackend underneath, so
// this is the model's own work, without any host perf-event syscall).
#include <benchmark/benchmark.h>

#include "vpmu/fake_backend.h"
#include "vpmu/vpmu.h"

namespace {

using namespace vpmu;

constexpr std::uint64_t kCyclesEnabled = 0x3C | evtsel::kUsr | evtsel::kOs | evtsel::kEnable;

struct Model {
    FakeBackend backend;
    Vpmu pmu{backend};
    Model() { pmu.configure(parse_pmu_spec("version=4,gp=8,fixed=3").value()); }
};

void BM_RdmsrIdleCounter(benchmark::State& state) {
    Model m;
    for (auto _ : state) benchmark::DoNotOptimize(m.pmu.rdmsr(MsrIndex{msr::kPmc0 + 3}));
}
BENCHMARK(BM_RdmsrIdleCounter);

void BM_RdmsrCountingCounter(benchmark::State& state) {
    Model m;
    (void)m.pmu.wrmsr(MsrIndex{msr::kPerfEvtSel0}, kCyclesEnabled);
    for (auto _ : state) {
        m.backend.advance(CounterId::gp(0), 1);
        benchmark::DoNotOptimize(m.pmu.rdmsr(MsrIndex{msr::kPmc0}));
    }
}
BENCHMARK(BM_RdmsrCountingCounter);

void BM_RdmsrGlobalStatus(benchmark::State& state) {
    Model m;
    for (auto _ : state) benchmark::DoNotOptimize(m.pmu.rdmsr(MsrIndex{msr::kGlobalStatus}));
}
BENCHMARK(BM_RdmsrGlobalStatus);

void BM_WrmsrIdleCounter(benchmark::State& state) {
    Model m;
    std::uint64_t v = 0;
    for (auto _ : state) benchmark::DoNotOptimize(m.pmu.wrmsr(MsrIndex{msr::kPmc0 + 3}, ++v));
}
BENCHMARK(BM_WrmsrIdleCounter);

// Rewriting a counting counter folds it back and starts it again.
void BM_WrmsrCountingCounter(benchmark::State& state) {
    Model m;
    (void)m.pmu.wrmsr(MsrIndex{msr::kPerfEvtSel0}, kCyclesEnabled);
    std::uint64_t v = 0;
    for (auto _ : state) benchmark::DoNotOptimize(m.pmu.wrmsr(MsrIndex{msr::kPmc0}, ++v));
}
BENCHMARK(BM_WrmsrCountingCounter);

// The PMI handler's pattern: GLOBAL_CTRL off, then on again (8 GP + 3 fixed).
void BM_WrmsrGlobalCtrlToggle(benchmark::State& state) {
    Model m;
    for (unsigned i = 0; i < 8; ++i) (void)m.pmu.wrmsr(MsrIndex{msr::kPerfEvtSel0 + i}, kCyclesEnabled);
    (void)m.pmu.wrmsr(MsrIndex{msr::kFixedCtrCtrl}, 0x333);
    const std::uint64_t all = 0xFF | 0x7ull << 32;
    for (auto _ : state) {
        benchmark::DoNotOptimize(m.pmu.wrmsr(MsrIndex{msr::kGlobalCtrl}, 0));
        benchmark::DoNotOptimize(m.pmu.wrmsr(MsrIndex{msr::kGlobalCtrl}, all));
    }
}
BENCHMARK(BM_WrmsrGlobalCtrlToggle);

}  // namespace
