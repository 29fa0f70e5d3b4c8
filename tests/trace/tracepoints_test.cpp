#include "trace/tracepoints.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "test_support.h"
#include "trace/reader.h"

namespace vpmu::trace {
namespace {

using test::TempDir;

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t pos = 0; (pos = text.find(needle, pos)) != std::string::npos; pos += needle.size()) ++n;
    return n;
}

TEST(Tracepoints, DisabledTracepointsWriteNothing) {
    EXPECT_FALSE(enabled());
    tp::vcpu_entry(0);  // no session: must not crash or allocate a stream
    EXPECT_FALSE(enabled());
}

TEST(Tracepoints, EveryHostEventReadsBackWithItsFields) {
    TempDir dir;
    auto trace = HostTrace::start(dir.path());
    ASSERT_TRUE(trace) << trace.error().message;
    EXPECT_TRUE(enabled());
    std::thread vcpu([] {
        bind_thread(1);
        tp::vcpu_entry(1);
        tp::vcpu_exit(1, 29, 0x38f);
        tp::msr_access(1, 0x38f, 0x700000003ULL, true, false);
        tp::msr_access(1, 0xc2, 0, false, true);
        tp::pmc_bind(1, 0, 2, 1000);
        tp::pmc_recall(1, kFixedCounterBase + 1, 2, 999);
        tp::pmc_rotate(4, 2, 1);
        tp::counter_overflow(1, 0, 0x1);
        tp::pmi_inject(1, true, 0, 0x1);
        tp::vmsync_gh_host(41, 0xfeedface12345678ULL);
        tp::vmsync_hg_host(42, 0xfeedface12345678ULL);
    });
    vcpu.join();  // the thread's stream is flushed at its exit
    tp::pmc_rotate(4, 0, 0);  // another thread (unbound): its own stream
    ASSERT_TRUE((*trace)->stop());
    EXPECT_FALSE(enabled());
    tp::vcpu_entry(9);  // after stop: dropped
    EXPECT_EQ((*trace)->stats().events, 12u);

    const auto bt = test::babeltrace2(dir.path());
    ASSERT_EQ(bt.status, 0) << bt.err;
    EXPECT_EQ(bt.err, "");
    const std::string& o = bt.out;
    EXPECT_EQ(count(o, "\n"), 12u) << o;
    EXPECT_NE(o.find("vpmu_vcpu_exit: { tid = "), std::string::npos) << o;
    EXPECT_NE(o.find("vcpu = 1 }, { vcpu = 1, reason = ( \"X86_RDMSR\" : container = 29 ), info = 0x38F }"),
              std::string::npos) << o;
    EXPECT_NE(o.find("{ vcpu = 1, msr = 0x38F, value = 0x700000003, write = 1, gp = 0 }"), std::string::npos) << o;
    EXPECT_NE(o.find("{ vcpu = 1, msr = 0xC2, value = 0x0, write = 0, gp = 1 }"), std::string::npos) << o;
    EXPECT_NE(o.find("{ vcpu = 1, counter = 0, slot = 2, period = 1000 }"), std::string::npos) << o;
    EXPECT_NE(o.find("{ vcpu = 1, counter = 33, slot = 2, count = 999 }"), std::string::npos) << o;
    EXPECT_NE(o.find("{ slots = 4, waiting = 2, moved = 1 }"), std::string::npos) << o;
    EXPECT_NE(o.find("{ vcpu = 1, counter = 0, global_status = 0x1 }"), std::string::npos) << o;
    EXPECT_NE(o.find("delivery = ( \"NMI\" : container = 0 ), vector = 0"), std::string::npos) << o;
    EXPECT_NE(o.find("vmsync_gh_host: { tid = "), std::string::npos) << o;
    EXPECT_NE(o.find("{ cnt = 41, vm_uid = 18369614218089748088 }"), std::string::npos) << o;
    EXPECT_NE(o.find("{ cnt = 42, vm_uid = 18369614218089748088 }"), std::string::npos) << o;
    EXPECT_NE(o.find("vcpu = -1 }, { slots = 4, waiting = 0, moved = 0 }"), std::string::npos) << o;

    // Host clock: CLOCK_MONOTONIC, boot-id UUID, realtime origin.
    auto r = TraceReader::open(dir.path());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ((*r)->info().clock.name, "monotonic");
    EXPECT_EQ((*r)->info().clock.uuid, host_boot_uuid());
    EXPECT_EQ((*r)->info().warnings, "");
    EXPECT_GT((*r)->info().clock.offset_s, 1'500'000'000);  // since 1970, not since boot
    EXPECT_EQ((*r)->info().env.at("vpmu_domain"), "host");
}

TEST(Tracepoints, HostAndGuestClocksHaveDifferentUuids) {
    const auto host = host_schema();
    GuestSchemaOptions a, b;
    a.vm_uid = 1;
    b.vm_uid = 2;
    EXPECT_NE(uuid_string(host.clock.uuid), uuid_string(guest_schema(a).clock.uuid));
    EXPECT_NE(uuid_string(guest_schema(a).clock.uuid), uuid_string(guest_schema(b).clock.uuid));
    EXPECT_EQ(uuid_string(guest_schema(a).clock.uuid), uuid_string(guest_schema(a).clock.uuid));
    EXPECT_NE(tsdl(host).find("uuid = \"" + uuid_string(host.clock.uuid) + "\""), std::string::npos);
}

TEST(Tracepoints, OnlyOneHostTraceAtATime) {
    TempDir dir;
    auto first = HostTrace::start(dir / "a");
    ASSERT_TRUE(first);
    auto second = HostTrace::start(dir / "b");
    EXPECT_FALSE(second);
}

// A process killed mid-run leaves a readable trace of its whole packets.
TEST(Writer, KilledProcessLeavesAReadableTraceOfWholePackets) {
    TempDir dir;
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        WriterOptions o;
        o.packet_bytes = 1024;
        auto trace = HostTrace::start(dir.path(), {}, o);
        if (!trace) _exit(3);
        for (std::uint32_t i = 0;; ++i) {
            tp::vmsync_gh_host(i, 7);
            if (i == 5000) (void)!write(ready[1], "x", 1);
        }
    }
    char c;
    ASSERT_EQ(read(ready[0], &c, 1), 1);
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    close(ready[0]);
    close(ready[1]);
    ASSERT_TRUE(WIFSIGNALED(status));
    auto r = TraceReader::open(dir.path());
    ASSERT_TRUE(r) << r.error().message;
    std::uint64_t n = 0;
    for (;;) {
        auto more = (*r)->next();
        ASSERT_TRUE(more) << more.error().message;
        if (!*more) break;
        EXPECT_EQ((*r)->field_uint("cnt"), n);
        ++n;
    }
    EXPECT_GE(n, 5000u - 100);  // all but the open packet (< 1 KiB of 22-byte events)
    const auto bt = test::babeltrace2(dir.path());
    EXPECT_EQ(bt.status, 0) << bt.err;
}

}  // namespace
}  // namespace vpmu::trace
