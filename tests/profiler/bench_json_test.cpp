// `vpmu bench`'s own pieces: its JSON reader, and a tiny end-to-end run
// whose JSON carries the DESIGN.md contract keys and whose plots exist.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "cli/bench/analysis.h"
#include "cli/bench/json.h"
#include "kvm_fixture.h"
#include "subprocess.h"

namespace vpmu::test {
namespace {

using cli::bench::Json;
using cli::bench::parse_json;

TEST(BenchJson, ReadsNestedValues) {
    auto j = parse_json(R"({"a":1.5,"s":"x\"y","l":[1,2,{"k":true}],"n":null})");
    ASSERT_TRUE(j) << j.error().message;
    EXPECT_EQ(j->number("a"), 1.5);
    EXPECT_EQ(j->text("s"), "x\"y");
    ASSERT_EQ(j->get("l")->items.size(), 3u);
    EXPECT_TRUE(j->get("l")->items[2].get("k")->flag);
    EXPECT_EQ(j->get("n")->kind, Json::Kind::null);
    EXPECT_FALSE(parse_json("{\"a\":}"));
    EXPECT_FALSE(parse_json("[1,2"));
    EXPECT_FALSE(parse_json("{} x"));
}

TEST(BenchJson, MedianIgnoresNonFiniteValues) {
    EXPECT_EQ(cli::bench::median({3, 1, 2}), 2);
    EXPECT_EQ(cli::bench::median({4, 1, 2, 3}), 2.5);
    EXPECT_EQ(cli::bench::median({NAN, 5}), 5);
    EXPECT_TRUE(std::isnan(cli::bench::median({})));
}

TEST(BenchCommand, HelpAndBadUsage) {
    const auto help = run_vpmu({"bench", "--help"});
    EXPECT_EQ(help.status, 0);
    EXPECT_NE(help.out.find("--quick"), std::string::npos);
    const auto bad = run_vpmu({"bench", "--frobnicate"});
    EXPECT_EQ(bad.status, 125);
    EXPECT_NE(bad.err.find("unknown option '--frobnicate'"), std::string::npos);
}

class BenchRun : public KvmTest {};

// The smallest matrix (scale 1, one repeat: numbers meaningless, only
// their presence is checked): every contract key is a number, the plots
// are SVG files.
TEST_F(BenchRun, TinyRunWritesTheContractKeysAndPlots) {
    const std::string dir = testing::TempDir() + "vpmu_bench_test_" + std::to_string(::getpid());
    const std::string json = dir + ".json";
    const auto run = run_vpmu({"bench", "--quick", "--scale", "1", "--repeats", "1", "--quiet", "--json", json,
                               "--plots", dir},
                              240);
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(run.err, "");
    EXPECT_NE(run.out.find("counting_overhead"), std::string::npos);
    std::ifstream f(json);
    std::stringstream text;
    text << f.rdbuf();
    auto j = parse_json(text.str());
    ASSERT_TRUE(j) << j.error().message;
    for (const char* key : {"vm_over_native", "counting_overhead", "sampling_overhead_1khz", "sampling_overhead_4khz",
                            "sample_cost_us", "floor_cost_us"}) {
        const Json* v = j->get(key);
        ASSERT_NE(v, nullptr) << key;
        EXPECT_EQ(v->kind, Json::Kind::number) << key;
    }
    EXPECT_EQ(j->get("workloads")->items.size(), 6u);
    for (const char* plot : {"ratios", "samples_vs_period", "shares", "events", "memsweep"}) {
        std::ifstream svg(dir + "/" + plot + ".svg");
        std::string first;
        std::getline(svg, first);
        EXPECT_EQ(first.rfind("<svg", 0), 0u) << plot;
        std::remove((dir + "/" + plot + ".svg").c_str());
    }
    std::remove(json.c_str());
    ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace vpmu::test
