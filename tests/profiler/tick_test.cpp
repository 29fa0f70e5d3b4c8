// vpmu run --tick-hz (the bare-stop floor of the bench) and --json.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/bench/json.h"
#include "cli/options.h"
#include "kvm_fixture.h"
#include "workload_run.h"

namespace vpmu::test {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

TEST(TickOptions, TickHzAndJsonParse) {
    const std::vector<std::string> args{"--tick-hz", "4000", "--json", "out.json", "g.elf"};
    auto parsed = cli::parse_run_options(args);
    ASSERT_TRUE(parsed) << parsed.error().message;
    const auto& o = std::get<cli::RunOptions>(*parsed);
    EXPECT_EQ(o.tick_hz, 4000u);
    EXPECT_EQ(o.json, "out.json");
    for (const char* bad : {"0", "100001", "fast"}) {
        const std::vector<std::string> b{"--tick-hz", bad, "g.elf"};
        auto r = cli::parse_run_options(b);
        ASSERT_FALSE(r) << bad;
        EXPECT_NE(r.error().message.find("--tick-hz"), std::string::npos);
    }
}

class TickTimer : public KvmTest {
protected:
    std::string json_ = testing::TempDir() + "vpmu_tick_test.json";
    void TearDown() override { std::remove(json_.c_str()); }

    cli::bench::Json run(std::vector<std::string> options) {
        options.insert(options.end(), {"--pmu", "off", "--json", json_});
        const auto r = run_workload(options, {"workload=compute", "scale=30"});
        EXPECT_EQ(r.process.status, 0) << r.process.err;
        auto j = cli::bench::parse_json(read_file(json_));
        EXPECT_TRUE(j) << (j ? "" : j.error().message);
        return j ? j->get("vms")->items.at(0) : cli::bench::Json{};
    }
};

// Each tick is one stop: KVM_RUN returns EINTR (an "interrupted" exit) and
// the vCPU re-enters. The task-clock fires once per 1/N s of the vCPU
// thread's CPU time, so the tick count is that time x N (±1); a run of
// ~0.2 s at 2 kHz has hundreds. Two signals can merge into one EINTR
// (the kick signal does not queue), hence interrupted >= 0.9 x ticks.
TEST_F(TickTimer, StopsTheVcpuAtTheRateOfItsCpuTime) {
    const auto vm = run({"--tick-hz", "2000"});
    const double ticks = vm.number("ticks");
    const auto* exits = vm.get("exits");
    ASSERT_NE(exits, nullptr);
    const auto* interrupted = exits->get("interrupted");
    ASSERT_NE(interrupted, nullptr) << "no interrupted exits at all";
    EXPECT_GE(ticks, 200);
    EXPECT_GE(interrupted->number("count"), 0.9 * ticks);
    EXPECT_LE(interrupted->number("count"), ticks + 5);
    // CPU time of the vCPU thread <= time in KVM_RUN + VMM time <= wall time.
    EXPECT_LE(ticks, vm.number("seconds") * 2000 + 2);
    EXPECT_EQ(vm.get("pmi")->number("delivered"), 0);
}

TEST_F(TickTimer, NoTicksWithoutTheOption) {
    const auto vm = run({});
    EXPECT_EQ(vm.number("ticks"), 0);
    const auto* interrupted = vm.get("exits")->get("interrupted");
    EXPECT_LT(interrupted ? interrupted->number("count") : 0, 5);
}

}  // namespace
}  // namespace vpmu::test
