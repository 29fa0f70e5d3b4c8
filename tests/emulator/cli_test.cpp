// The `vpmu` command as a subprocess, for everything decided before a VM
// exists: usage (125), rejected images (126), help and `vpmu info`. None of
// these need /dev/kvm.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "vpmu/hex.h"
#include "elf_builder.h"
#include "subprocess.h"
#include "vpmu/cpuid.h"

namespace vpmu::test {
namespace {

// A failure the VMM reports: the status, and exactly one line on stderr.
void expect_one_line_failure(const ProcessResult& r, int status, const std::string& needle) {
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.status, status) << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

TEST(Cli, NoCommandOrUnknownCommandIsUsage) {
    expect_one_line_failure(run_vpmu({}), 125, "no command");
    expect_one_line_failure(run_vpmu({"frobnicate"}), 125, "unknown command 'frobnicate'");
}

TEST(Cli, HelpEverywhere) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"--help"}, {"help"}, {"run", "--help"}, {"info", "--help"}, {"run", "-h"}}) {
        const ProcessResult r = run_vpmu(args);
        EXPECT_EQ(r.status, 0) << args[0];
        EXPECT_NE(r.out.find("usage: vpmu"), std::string::npos) << r.out;
        EXPECT_TRUE(r.err.empty()) << r.err;
    }
}

TEST(Cli, RunUsageErrorsExit125WithOneLine) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
        {{"run"}, "no guest image"},
        {{"run", "--pmu", "version=9", "g.elf"}, "--pmu"},
        {{"run", "--pmu", "gp=2,colour=red", "g.elf"}, "--pmu"},
        {{"run", "--vcpus", "0", "g.elf"}, "--vcpus"},
        {{"run", "--mem", "lots", "g.elf"}, "--mem"},
        {{"run", "--timeout", "-3", "g.elf"}, "--timeout"},
        {{"run", "--backend", "abacus", "g.elf"}, "--backend"},
        {{"run", "--no-such-option", "g.elf"}, "--no-such-option"},
        {{"run", "a.elf", "b.elf"}, "b.elf"},
    };
    for (const auto& [args, needle] : cases) expect_one_line_failure(run_vpmu(args), 125, needle);
}

// Pool sizes and PMI rates outside their ranges are usage errors, before
// any VM exists, with the option named.
TEST(Cli, AbsurdPoolAndPmiRateAreUsage) {
    for (const std::string pool : {"0", "65", "-1", "2x", "", "99999999999999999999999"}) {
        expect_one_line_failure(run_vpmu({"run", "--pool", pool, BRINGUP64_GUEST}), 125, "--pool");
    }
    expect_one_line_failure(run_vpmu({"run", "--pool=0", BRINGUP64_GUEST}), 125, "--pool");
    for (const std::string rate : {"-5", "10000001", "fast"}) {
        expect_one_line_failure(run_vpmu({"run", "--max-pmi-rate", rate, BRINGUP64_GUEST}), 125, "--max-pmi-rate");
    }
}

TEST(Cli, OverlongGuestCommandLineIsUsage) {
    expect_one_line_failure(run_vpmu({"run", "g.elf", "--", std::string(5000, 'x')}), 125,
                            "command line");
}

TEST(Cli, UnwritableConsoleIsUsage) {
    expect_one_line_failure(run_vpmu({"run", "--console", "/nonexistent-dir/c.log", BRINGUP64_GUEST}),
                            125, "/nonexistent-dir/c.log");
}

TEST(Cli, MissingImage) {
    expect_one_line_failure(run_vpmu({"run", "/nonexistent/guest.elf"}), 126, "No such file");
}

TEST(Cli, DirectoryImage) { expect_one_line_failure(run_vpmu({"run", "/"}), 126, "not a regular file"); }

TEST(Cli, GarbageImage) {
    const std::string path = write_temp_file("garbage.elf", std::vector<std::uint8_t>(4096, 0x5a));
    expect_one_line_failure(run_vpmu({"run", path}), 126, "not an ELF");
}

std::vector<std::uint8_t> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(Cli, TruncatedImage) {
    auto bytes = read_bytes(BRINGUP64_GUEST);
    ASSERT_GT(bytes.size(), 1000u);
    for (std::size_t keep : {std::size_t{10}, std::size_t{100}, bytes.size() / 2}) {
        const std::string path =
            write_temp_file("truncated.elf", std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + static_cast<long>(keep)));
        const ProcessResult r = run_vpmu({"run", path});
        EXPECT_EQ(r.status, 126) << keep << ": " << r.err;
        EXPECT_EQ(count_lines(r.err), 1) << r.err;
    }
}

TEST(Cli, ImageWithoutPvhNote) {
    ElfSpec spec;
    spec.pvh_entry.reset();
    const std::string path = write_temp_file("nonote.elf", build_elf(spec));
    expect_one_line_failure(run_vpmu({"run", path}), 126, "no PVH entry note");
}

TEST(Cli, SegmentOutsideRam) {
    ElfSpec spec;
    spec.segments[0].paddr = 0x80000000;  // 2 GiB, beyond the default 64 MiB
    spec.pvh_entry = 0x80000000;
    const std::string path = write_temp_file("high.elf", build_elf(spec));
    expect_one_line_failure(run_vpmu({"run", path}), 126, "outside guest RAM");
}

TEST(Cli, MemoryTooSmallForTheGuest) {
    // The bring-up guest loads at 1 MiB: one MiB of RAM cannot hold it.
    expect_one_line_failure(run_vpmu({"run", "--mem", "1", BRINGUP64_GUEST}), 126, "--mem");
}

TEST(Cli, InfoShowsTheLeafOfTheSpec) {
    const std::string spec = "version=3,gp=6,gp-width=40,fixed=3,fixed-width=40";
    const ProcessResult r = run_vpmu({"info", "--pmu", spec, "--backend", "none"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto config = parse_pmu_spec(spec);
    ASSERT_TRUE(config.ok());
    const CpuidLeaf leaf = encode_cpuid_0a(*config);
    EXPECT_NE(r.out.find(to_hex(leaf.eax)), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(to_hex(leaf.edx)), std::string::npos) << r.out;
}

TEST(Cli, InfoJson) {
    const ProcessResult r = run_vpmu({"info", "--pmu", "version=2", "--backend", "none", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_FALSE(r.out.empty());
    EXPECT_EQ(r.out.front(), '{');
}

TEST(Cli, InfoRejectsBadSpec) {
    expect_one_line_failure(run_vpmu({"info", "--pmu", "version=0"}), 125, "--pmu");
}

}  // namespace
}  // namespace vpmu::test
