// The integration matrix: boot GUEST with PMU spec X (and a command line),
// expect an exit status. A guest joins by a row here; guests built
// elsewhere in the project arrive as compile definitions from
// tests/emulator/CMakeLists.txt when their targets exist.
#include <gtest/gtest.h>

#include "kvm_fixture.h"
#include "subprocess.h"

namespace vpmu::test {
namespace {

struct GuestCase {
    std::string name;  // test name suffix: letters, digits, '_'
    std::string guest;
    std::string pmu;
    std::vector<std::string> guest_args;
    int status = 0;
    std::string backend = "auto";
};

void PrintTo(const GuestCase& c, std::ostream* os) { *os << c.name << " (--pmu " << c.pmu << ")"; }

// The PMU shapes every guest is booted with: the contract's example, the
// PMU off, and the corners of versions, counter counts and widths.
const std::vector<std::pair<std::string, std::string>> kSpecs{
    {"v2_contract", "version=2,gp=4,gp-width=48,fixed=3,fixed-width=48"},
    {"off", "off"},
    {"v1", "version=1,gp=2,gp-width=40,fixed=0,fixed-width=0"},
    {"v2_narrow", "version=2,gp=1,gp-width=32,fixed=1,fixed-width=32"},
    {"v3_wide", "version=3,gp=8,gp-width=48,fixed=3,fixed-width=48"},
    {"v4", "version=4,gp=4"},
    {"v5", "version=5,gp=8,fixed=4"},
};

std::vector<GuestCase> matrix() {
    std::vector<GuestCase> cases;
    for (const auto& [name, spec] : kSpecs) {
        // The bring-up guest exercises the plumbing: CPUID and an MSR read
        // that may #GP (it survives that), then exits with 0.
        cases.push_back({"bringup_" + name, BRINGUP64_GUEST, spec, {"cpuid=0xa", "rdmsr=0x38f"}, 0});
#ifdef VPMU_CONFORMANCE_GUEST
        // The SDM conformance checks: the status is the number of failures.
        cases.push_back({"conformance_" + name, VPMU_CONFORMANCE_GUEST, spec, {}, 0});
#endif
    }
#ifdef VPMU_CONFORMANCE_GUEST
    // PMIs at exactly the N-th instruction, counted by single-stepping.
    cases.push_back({"conformance_precise_v2", VPMU_CONFORMANCE_GUEST, "version=2", {"precise"}, 0, "precise"});
    cases.push_back({"conformance_precise_v4", VPMU_CONFORMANCE_GUEST, "version=4,gp=2,gp-width=32", {"precise"}, 0,
                     "precise"});
#endif
#ifdef VPMU_SELFTEST_GUEST
    cases.push_back({"selftest_default", VPMU_SELFTEST_GUEST, "version=2", {}, 0});
#endif
    return cases;
}

class GuestMatrix : public KvmTest, public testing::WithParamInterface<GuestCase> {};

TEST_P(GuestMatrix, BootsAndExitsWithTheExpectedStatus) {
    const GuestCase& c = GetParam();
    std::vector<std::string> args{"run", "--timeout", "60", "--backend", c.backend, "--pmu", c.pmu, c.guest, "--"};
    args.insert(args.end(), c.guest_args.begin(), c.guest_args.end());
    const ProcessResult r = run_vpmu(args, 90);
    EXPECT_FALSE(r.timed_out) << "the VMM itself hung";
    EXPECT_EQ(r.status, c.status) << "stderr:\n" << r.err << "\nconsole:\n" << r.out;
}

INSTANTIATE_TEST_SUITE_P(Guests, GuestMatrix, testing::ValuesIn(matrix()),
                         [](const testing::TestParamInfo<GuestCase>& param) { return param.param.name; });

}  // namespace
}  // namespace vpmu::test
