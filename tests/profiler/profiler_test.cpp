// The in-guest profiler against what is known about its workload:
//  - computea/computeb run one kernel 70% / 30% of the time, so the
//    profile must show that split;
//  - samples x period must match the cycles that went by (counted in the
//    same run by a second counter), so sample counts scale with 1/period.
#include <gtest/gtest.h>

#include <cmath>

#include "kvm_fixture.h"
#include "workload_run.h"

namespace vpmu::test {
namespace {

class Profiler : public KvmTest {};

TEST_F(Profiler, ComputeaComputebSharesMatchTheKnownSplit) {
    // ~0.3 s of compute at a period of 10^6 cycles: several hundred samples.
    const auto run = run_workload({}, {"workload=compute", "scale=40", "mode=sample", "period=1000000"});
    ASSERT_EQ(run.process.status, 0) << run.process.out << run.process.err;
    ASSERT_TRUE(run.has_profile && run.has_result) << run.process.out;
    auto by_symbol = run.samples_by_symbol();
    const double n = run.result.number("samples");
    ASSERT_GE(n, 200) << "too few samples to judge a split";
    const double a = by_symbol["wl::computea"], b = by_symbol["wl::computeb"];
    // Nearly every sample lands in the two kernels (the loop around them
    // and the PMI path are a few instructions per 10^5).
    EXPECT_GE(a + b, 0.95 * n) << run.process.out;
    // Tolerance: a sample falls in computea with probability 0.7, so the
    // share has a binomial standard deviation sqrt(0.7*0.3/N); 4 of them
    // (a false alarm once in ~16000 runs) plus 1 point for what differs
    // between the two functions besides their unit counts (call and loop
    // overhead, where a slice boundary falls).
    const double share = 100.0 * a / (a + b);
    const double tolerance = 400.0 * std::sqrt(0.7 * 0.3 / (a + b)) + 1.0;
    EXPECT_NEAR(share, 70.0, tolerance) << "computea " << a << " computeb " << b << "\n" << run.process.out;
}

// Samples x period against the cycles IA32_PMC1 counted over the same run.
// A sample can never come sooner than a period after the last re-arm, so
// samples <= cycles/period (+2: PMC1 starts a few instructions after PMC0).
// The handler re-arms PMC0 at -period, dropping the cycles that went by
// between the overflow and its WRMSR (the PMI path; ~0.3 ms on this PVM
// host, where guest-kernel code is emulated): with a latency bound of 2 ms
// per sample, samples >= cycles/(period + 2 ms of cycles) - 2. At the
// 60-240 Hz used here that bound is 11-48% under; the ratio test below
// then holds the counts to 1/period within the same bounds.
TEST_F(Profiler, SampleCountsScaleWithOneOverThePeriod) {
    const std::vector<double> periods{40000000, 20000000, 10000000};
    std::vector<double> samples;
    for (double period : periods) {
        const auto run = run_workload({}, {"workload=compute", "scale=60", "mode=sample",
                                           "period=" + std::to_string(static_cast<long>(period))});
        ASSERT_EQ(run.process.status, 0) << run.process.out << run.process.err;
        ASSERT_TRUE(run.has_result) << run.process.out;
        const double n = run.result.number("samples"), cycles = run.result.number("pmc1");
        const double khz = run.result.number("tsc_khz");
        ASSERT_GT(cycles, 0);
        const double latency_cycles = 2.0 /* ms */ * khz;
        EXPECT_LE(n, cycles / period + 2) << "period " << period;
        EXPECT_GE(n, cycles / (period + latency_cycles) - 2) << "period " << period << ", cycles " << cycles;
        // Per 10^9 counted cycles: the same for every period once multiplied by it.
        samples.push_back(n * period / cycles);
    }
    for (std::size_t i = 1; i < samples.size(); ++i) {
        // n*period/cycles lies in [period/(period+latency), 1]: within 2x
        // the largest latency fraction (10^7-cycle period, 2 ms at ~2.6
        // GHz: 0.52 -> 1/1.52 = 0.66) of each other.
        EXPECT_NEAR(samples[i], samples[0], 0.35) << "samples x period / cycles at period " << periods[i];
    }
}

TEST_F(Profiler, ProfileNamesTheWorkloadFunctionsFromTheEmbeddedTable) {
    const auto run = run_workload({}, {"workload=crc16", "scale=20", "mode=sample", "period=2000000"});
    ASSERT_EQ(run.process.status, 0) << run.process.err;
    ASSERT_TRUE(run.has_profile);
    auto by_symbol = run.samples_by_symbol();
    EXPECT_GT(by_symbol["wl::crc16_ccitt"], 0.9 * run.result.number("samples")) << run.process.out;
    EXPECT_NE(run.process.out.find("# Overhead  Samples  Symbol"), std::string::npos);
}

TEST(ProfilerNative, NativeTwinProfilesTheSameSplit) {
    // The native program samples its own task-clock (the time backend's
    // clock) and resolves with the same embedded table; same tolerance.
    const auto p = run_process({VPMU_WORKLOADS_NATIVE, "workload=compute", "scale=40", "period=1000000",
                                "tsc_khz=2000000", "cpu=0"});
    ASSERT_EQ(p.status, 0) << p.err;
    const std::size_t at = p.out.find("PROFILE ");
    ASSERT_NE(at, std::string::npos) << p.out;
    auto json = cli::bench::parse_json(p.out.substr(at + 8, p.out.find('\n', at) - at - 8));
    ASSERT_TRUE(json) << json.error().message;
    double a = 0, b = 0;
    for (const auto& f : json->get("functions")->items) {
        if (f.text("symbol") == "wl::computea") a = f.number("samples");
        if (f.text("symbol") == "wl::computeb") b = f.number("samples");
    }
    ASSERT_GE(a + b, 100);
    EXPECT_NEAR(100.0 * a / (a + b), 70.0, 400.0 * std::sqrt(0.21 / (a + b)) + 1.0) << p.out;
}

TEST_F(Profiler, PmiPathKernelInstructionsAreCountedWithThePreciseBackend) {
    const auto run = run_workload({"--backend", "precise"}, {"mode=kinst", "scale=20"});
    ASSERT_EQ(run.process.status, 0) << run.process.out << run.process.err;
    ASSERT_TRUE(run.has_result);
    EXPECT_EQ(run.result.number("handled"), 20);
    // The stub, dispatch, handler and IRETQ: tens of instructions, not none
    // and not hundreds (profiler.h keeps the path short on purpose).
    EXPECT_GT(run.result.number("kernel_instructions_per_sample"), 20);
    EXPECT_LT(run.result.number("kernel_instructions_per_sample"), 200);
}

}  // namespace
}  // namespace vpmu::test
