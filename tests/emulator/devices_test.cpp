// The debug-exit port, the hypercall port, the stop latch and the console.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "devices/console.h"
#include "devices/debug_exit.h"
#include "devices/hypercall.h"
#include "devices/vm_stop.h"

namespace vpmu::dev {
namespace {

void out8(PortDevice& d, std::uint16_t offset, std::uint8_t v, unsigned vcpu = 0) {
    d.write(offset, std::span(&v, 1), IoContext{vcpu});
}
void out32(PortDevice& d, std::uint16_t offset, std::uint32_t v, unsigned vcpu = 0) {
    std::uint8_t bytes[4];
    set_io_value(bytes, v);
    d.write(offset, bytes, IoContext{vcpu});
}
std::uint32_t in32(PortDevice& d, std::uint16_t offset, unsigned vcpu = 0) {
    std::uint8_t bytes[4] = {};
    d.read(offset, bytes, IoContext{vcpu});
    return io_value(bytes);
}

TEST(DebugExit, GuestStatusesPassThrough) {
    for (int status : {0, 1, 42, kMaxGuestStatus}) {
        VmStop stop;
        DebugExit port(stop);
        out8(port, 0, static_cast<std::uint8_t>(status));
        ASSERT_TRUE(stop.requested());
        EXPECT_EQ(stop.outcome(), VmOutcome::guest_exit(status));
    }
}

TEST(DebugExit, VmmStatusesAreAFailureNamingTheValue) {
    for (std::uint32_t value : {125u, 126u, 255u, 0x1000u}) {
        VmStop stop;
        DebugExit port(stop);
        out32(port, 0, value, 3);
        auto outcome = stop.outcome();
        ASSERT_TRUE(outcome.has_value());
        EXPECT_EQ(outcome->status, kStatusVmFailed);
        EXPECT_NE(outcome->reason.find(std::to_string(value)), std::string::npos) << outcome->reason;
        EXPECT_NE(outcome->reason.find("vcpu3"), std::string::npos) << outcome->reason;
    }
}

TEST(VmStop, FirstRequestWinsAndKicksOnce) {
    VmStop stop;
    int kicks = 0;
    stop.set_kick([&] { ++kicks; });
    EXPECT_FALSE(stop.requested());
    EXPECT_TRUE(stop.request(VmOutcome::guest_exit(3)));
    EXPECT_FALSE(stop.request(VmOutcome::failure("timeout")));
    EXPECT_EQ(stop.outcome(), VmOutcome::guest_exit(3));
    EXPECT_EQ(kicks, 1);
}

TEST(VmStop, RacingRequestsRecordExactlyOne) {
    VmStop stop;
    std::atomic<int> winners{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&, i] {
            if (stop.request(VmOutcome::guest_exit(i))) ++winners;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(winners, 1);
    EXPECT_TRUE(stop.outcome()->is_guest_exit());
}

TEST(Hypercall, PingAndTscKhz) {
    HypercallDevice hc(2);
    hc.set_tsc_khz(2'600'000);
    out32(hc, 0, hypercall::kPing);
    EXPECT_EQ(in32(hc, 0), kHypercallPingReply);
    out32(hc, 0, hypercall::kTscKhz);
    EXPECT_EQ(in32(hc, 0), 2'600'000u);
}

// cpu_us is the calling thread's CPU time in microseconds: it advances by
// what this thread burns (20 ms of its CPU clock here; 1 ms of slack for
// the reads around it) and not by sleeping.
TEST(Hypercall, CpuUsIsTheCallingThreadsCpuTime) {
    HypercallDevice hc(1);
    auto cpu_us = [&] {
        out32(hc, 0, hypercall::kCpuUs);
        return in32(hc, 0);
    };
    auto thread_ns = [] {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
    };
    const std::uint32_t before = cpu_us();
    const std::int64_t burn_until = thread_ns() + 20'000'000;
    while (thread_ns() < burn_until) {
    }
    const std::uint32_t burnt = cpu_us() - before;
    EXPECT_GE(burnt, 20'000u);
    EXPECT_LE(burnt, 21'000u);
    const std::uint32_t asleep_from = cpu_us();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_LT(cpu_us() - asleep_from, 5'000u) << "sleeping costs no CPU time";
}

TEST(Hypercall, UnknownCommandsAnswerAllOnesAndAreCounted) {
    HypercallDevice hc(1);
    out32(hc, 0, 0x7777);
    EXPECT_EQ(in32(hc, 0), kHypercallUnknown);
    const auto stats = hc.stats();
    ASSERT_FALSE(stats.empty());
    EXPECT_EQ(stats.back().name, "unknown");
    EXPECT_EQ(stats.back().calls, 1u);
}

TEST(Hypercall, CommandsSeeTheirVcpusArguments) {
    HypercallDevice hc(2);
    ASSERT_TRUE(hc.add_command(0x10, "sum", [](const HypercallArgs& a) {
                      return a.arg[0] + a.arg[1] + a.arg[2] + 1000 * a.vcpu;
                  }).ok());
    out32(hc, 4, 1, 0);
    out32(hc, 8, 2, 0);
    out32(hc, 12, 3, 0);
    out32(hc, 4, 10, 1);  // vCPU 1's registers are its own
    EXPECT_EQ(in32(hc, 4, 0), 1u);
    out32(hc, 0, 0x10, 1);
    out32(hc, 0, 0x10, 0);
    EXPECT_EQ(in32(hc, 0, 0), 6u);
    EXPECT_EQ(in32(hc, 0, 1), 1010u);
}

TEST(Hypercall, CommandNumbersCannotBeReused) {
    HypercallDevice hc(1);
    auto taken = hc.add_command(hypercall::kPing, "mine", [](const HypercallArgs&) { return 0u; });
    ASSERT_FALSE(taken.ok());
    EXPECT_NE(taken.error().message.find("ping"), std::string::npos);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST(FdConsole, WritesPrefixedLinesToAFile) {
    const std::string path = testing::TempDir() + "vpmu-console-" + std::to_string(::getpid());
    {
        auto console = FdConsole::open_file(path, "[vm1] ");
        ASSERT_TRUE(console.ok()) << console.error().message;
        for (char c : std::string("one\ntwo")) console->put(static_cast<std::uint8_t>(c));
        EXPECT_EQ(read_file(path), "[vm1] one\n");  // the partial line waits
    }  // destruction flushes it
    EXPECT_EQ(read_file(path), "[vm1] one\n[vm1] two");
    ::unlink(path.c_str());
}

TEST(FdConsole, UnwritablePathIsAnError) {
    auto console = FdConsole::open_file("/nonexistent-dir/console.log", "");
    ASSERT_FALSE(console.ok());
    EXPECT_NE(console.error().message.find("/nonexistent-dir/console.log"), std::string::npos);
}

}  // namespace
}  // namespace vpmu::dev
