// `vpmu run` / `vpmu info` option parsing: values in, values or usage
// errors (status 125 in main) out.
#include "cli/options.h"

#include <gtest/gtest.h>

namespace vpmu::cli {
namespace {

Result<std::variant<RunOptions, HelpRequested>> parse_run(std::vector<std::string> args) {
    return parse_run_options(args);
}

RunOptions run_ok(std::vector<std::string> args) {
    auto parsed = parse_run(args);
    EXPECT_TRUE(parsed.ok()) << parsed.error().message;
    if (!parsed.ok() || !std::holds_alternative<RunOptions>(*parsed)) return {};
    return std::get<RunOptions>(*parsed);
}

std::string run_error(std::vector<std::string> args) {
    auto parsed = parse_run(args);
    EXPECT_FALSE(parsed.ok()) << "accepted";
    return parsed.ok() ? std::string() : parsed.error().message;
}

TEST(RunOptions, DefaultsAndGuest) {
    const RunOptions o = run_ok({"guest.elf"});
    EXPECT_EQ(o.guest, "guest.elf");
    EXPECT_EQ(o.pmu, PmuConfig{});
    EXPECT_EQ(o.backend, BackendKind::automatic);
    EXPECT_EQ(o.mem_mib, 64u);
    EXPECT_EQ(o.vcpus, 1u);
    EXPECT_EQ(o.vms, 1u);
    EXPECT_FALSE(o.timeout_seconds.has_value());
    EXPECT_FALSE(o.pool.has_value());
    EXPECT_TRUE(o.console.empty());
    EXPECT_EQ(o.cmdline(), "");
}

TEST(RunOptions, EveryContractOption) {
    const RunOptions o = run_ok({"--pmu", "version=3,gp=2", "--backend=time", "--pool", "4",
                                 "--mem", "128", "--vcpus=2", "--timeout", "1.5", "--console",
                                 "out.log", "--trace", "tdir", "--vms", "5", "--pin", "0",
                                 "--stats", "g.elf", "--", "a", "--b", "c=d"});
    auto pmu = parse_pmu_spec("version=3,gp=2");
    ASSERT_TRUE(pmu.ok());
    EXPECT_EQ(o.pmu, *pmu);
    EXPECT_EQ(o.backend, BackendKind::time);
    EXPECT_EQ(o.pool, 4u);
    EXPECT_EQ(o.mem_mib, 128u);
    EXPECT_EQ(o.vcpus, 2u);
    EXPECT_DOUBLE_EQ(*o.timeout_seconds, 1.5);
    EXPECT_EQ(o.console, "out.log");
    EXPECT_EQ(o.trace_dir, "tdir");
    EXPECT_EQ(o.vms, 5u);
    EXPECT_EQ(o.pin_cpus, std::vector<int>{0});
    EXPECT_TRUE(o.stats);
    EXPECT_EQ(o.guest, "g.elf");
    EXPECT_EQ(o.cmdline(), "a --b c=d");  // after "--" nothing is an option
}

TEST(RunOptions, PmuOff) { EXPECT_FALSE(run_ok({"--pmu", "off", "g"}).pmu.enabled); }

TEST(RunOptions, OptionsMayFollowTheGuest) {
    EXPECT_EQ(run_ok({"g.elf", "--mem", "8"}).mem_mib, 8u);
}

TEST(RunOptions, Help) {
    auto parsed = parse_run({"--help"});
    ASSERT_TRUE(parsed.ok());
    ASSERT_TRUE(std::holds_alternative<HelpRequested>(*parsed));
    EXPECT_NE(std::get<HelpRequested>(*parsed).text.find("--pmu SPEC"), std::string::npos);
}

TEST(RunOptions, UsageErrorsNameTheProblem) {
    EXPECT_NE(run_error({}).find("no guest image"), std::string::npos);
    EXPECT_NE(run_error({"a.elf", "b.elf"}).find("'b.elf'"), std::string::npos);
    EXPECT_NE(run_error({"--frobnicate", "g"}).find("--frobnicate"), std::string::npos);
    EXPECT_NE(run_error({"g", "--mem"}).find("needs a value"), std::string::npos);
    EXPECT_NE(run_error({"--mem", "0", "g"}).find("--mem"), std::string::npos);
    EXPECT_NE(run_error({"--mem", "4096", "g"}).find("1..3072"), std::string::npos);
    EXPECT_NE(run_error({"--mem", "12x", "g"}).find("'12x'"), std::string::npos);
    EXPECT_NE(run_error({"--vcpus", "0", "g"}).find("--vcpus"), std::string::npos);
    EXPECT_NE(run_error({"--vcpus", "-1", "g"}).find("--vcpus"), std::string::npos);
    EXPECT_NE(run_error({"--vms", "0", "g"}).find("--vms"), std::string::npos);
    EXPECT_NE(run_error({"--timeout", "soon", "g"}).find("--timeout"), std::string::npos);
    EXPECT_NE(run_error({"--timeout", "0", "g"}).find("--timeout"), std::string::npos);
    EXPECT_NE(run_error({"--timeout", "nan", "g"}).find("--timeout"), std::string::npos);
    EXPECT_NE(run_error({"--pin", "0,,1", "g"}).find("--pin"), std::string::npos);
    EXPECT_NE(run_error({"--pin", "100000", "g"}).find("CPUs"), std::string::npos);
    EXPECT_NE(run_error({"--console=", "g"}).find("--console"), std::string::npos);
    EXPECT_NE(run_error({"--stats=1", "g"}).find("--stats"), std::string::npos);
    EXPECT_NE(run_error({"--backend", "magic", "g"}).find("--backend"), std::string::npos);
    EXPECT_NE(run_error({"--pool", "0", "g"}).find("--pool"), std::string::npos);
}

TEST(RunOptions, InvalidPmuSpecsAreUsageErrors) {
    for (const char* spec : {"version=9", "gp=99", "gp-width=3", "colour=blue", "version", ""}) {
        const std::string message = run_error({"--pmu", spec, "g"});
        EXPECT_NE(message.find("--pmu"), std::string::npos) << spec << ": " << message;
    }
}

TEST(InfoOptions, ParsesAndRejects) {
    std::vector<std::string> args{"--pmu", "version=4", "--json"};
    auto parsed = parse_info_options(args);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    const auto& o = std::get<InfoOptions>(*parsed);
    EXPECT_TRUE(o.json);
    EXPECT_EQ(o.pmu.version, 4u);
    std::vector<std::string> extra{"guest.elf"};
    EXPECT_FALSE(parse_info_options(extra).ok());
    std::vector<std::string> bad{"--pmu", "version=0"};
    EXPECT_FALSE(parse_info_options(bad).ok());
}

}  // namespace
}  // namespace vpmu::cli
