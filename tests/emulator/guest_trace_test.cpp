// The host side of the guest tracer without KVM: buffers as a guest hands
// them over (checked, decoded with the guest's own clock arithmetic), the
// trace hypercalls, the vmsync_* host events, and the guest trace they
// produce, read back with the trace reader (libbabeltrace2).
#include "vmm/guest_trace.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <vector>

#include "trace/events.h"
#include "trace/reader.h"
#include "trace/tracepoints.h"
#include "vmm/exit_trace.h"

namespace vpmu::vmm {
namespace {

namespace fs = std::filesystem;
using guest_abi::BufferHeader;
using guest_abi::Record;

class ScratchDir {
public:
    ScratchDir() {
        char tmpl[] = "/tmp/vpmu-guest-trace-XXXXXX";
        path_ = ::mkdtemp(tmpl);
    }
    ~ScratchDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

// A guest clock of 2 GHz starting at TSC 1000: ns = (tsc - 1000) / 2.
constexpr std::uint64_t kOrigin = 1000;
constexpr std::uint64_t kHz = 2'000'000'000;
constexpr std::uint64_t kMult = (std::uint64_t{1'000'000'000} << 32) / kHz;

struct BufferBuilder {
    BufferHeader header{};
    std::vector<Record> records;

    explicit BufferBuilder(std::uint32_t capacity) {
        header.magic = guest_abi::kMagic;
        header.version = guest_abi::kVersion;
        header.record_size = sizeof(Record);
        header.capacity = capacity;
        header.tsc_hz = kHz;
        header.tsc_origin = kOrigin;
        header.tsc_mult = kMult;
        records.resize(capacity);
    }
    BufferBuilder& add(std::uint64_t tsc, std::uint16_t id, std::uint32_t a, std::uint64_t b, std::uint64_t c = 0) {
        if (header.count < header.capacity) records[header.count] = Record{tsc, id, 0, a, b, c};
        ++header.count;
        return *this;
    }
    std::vector<std::uint8_t> bytes() const {
        std::vector<std::uint8_t> out(sizeof header + records.size() * sizeof(Record));
        std::memcpy(out.data(), &header, sizeof header);
        std::memcpy(out.data() + sizeof header, records.data(), records.size() * sizeof(Record));
        return out;
    }
};

TEST(GuestTraceBuffer, DecodesWithTheGuestsOwnArithmeticInTimeOrder) {
    using namespace trace::guest_event;
    BufferBuilder b(8);
    b.add(kOrigin + 4000, kMark, 1, 7).add(kOrigin + 2000, kPmi, 0, 0xabc, 0x1).add(kOrigin + 6000, kVmsyncGhGuest, 4, 99);
    auto batch = decode_guest_buffer(b.bytes());
    ASSERT_TRUE(batch) << batch.error().message;
    ASSERT_EQ(batch->events.size(), 3u);
    EXPECT_EQ(batch->events[0].ns, 1000u);  // the PMI: handlers write out of order, the batch is sorted
    EXPECT_EQ(batch->events[0].id, kPmi);
    EXPECT_EQ(batch->events[1].ns, 2000u);
    EXPECT_EQ(batch->events[2].ns, 3000u);
    EXPECT_EQ(batch->events[2].a, 4u);
    EXPECT_EQ(batch->lost, 0u);
}

TEST(GuestTraceBuffer, ReservationsBeyondCapacityAreLostEvents) {
    BufferBuilder b(2);
    for (int i = 0; i < 5; ++i) b.add(kOrigin + 10 * i, trace::guest_event::kMark, 0, 0);
    auto batch = decode_guest_buffer(b.bytes());
    ASSERT_TRUE(batch) << batch.error().message;
    EXPECT_EQ(batch->events.size(), 2u);
    EXPECT_EQ(batch->header.count, 2u);
    EXPECT_EQ(batch->lost, 3u);
}

TEST(GuestTraceBuffer, RecordsBeforeTheOriginAreStampedZeroAndCounted) {
    BufferBuilder b(2);
    b.add(kOrigin - 1, trace::guest_event::kMark, 0, 0);
    auto batch = decode_guest_buffer(b.bytes());
    ASSERT_TRUE(batch) << batch.error().message;
    EXPECT_EQ(batch->events.at(0).ns, 0u);
    EXPECT_EQ(batch->before_origin, 1u);
}

TEST(GuestTraceBuffer, MalformedBuffersAreRefusedWithTheReason) {
    auto expect_error = [](const std::vector<std::uint8_t>& bytes, const std::string& what) {
        auto checked = check_guest_buffer(bytes);
        ASSERT_FALSE(checked) << what;
        EXPECT_NE(checked.error().message.find(what), std::string::npos) << checked.error().message;
    };
    expect_error(std::vector<std::uint8_t>(10), "smaller than");
    BufferBuilder bad_magic(1);
    bad_magic.header.magic = 0x1234;
    expect_error(bad_magic.bytes(), "magic");
    BufferBuilder bad_version(1);
    bad_version.header.version = 9;
    expect_error(bad_version.bytes(), "version 9");
    BufferBuilder bad_size(1);
    bad_size.header.record_size = 16;
    expect_error(bad_size.bytes(), "record size 16");
    BufferBuilder too_big(1);
    too_big.header.capacity = 4;  // claims more records than the bytes hold
    expect_error(too_big.bytes(), "do not fit");
    BufferBuilder no_rate(1);
    no_rate.header.tsc_mult = 0;
    expect_error(no_rate.bytes(), "no rate");
}

TEST(GuestTracer, InfoAnswersVmUidHalvesAndTheRecordingFlag) {
    const std::uint64_t uid = 0x0001'2345'6789'0003ull;
    GuestTracer off(uid, 1, "");
    EXPECT_EQ(off.info(0), 0x6789'0003u);
    EXPECT_EQ(off.info(1), 0x0001'2345u);
    EXPECT_EQ(off.info(2), 0u);
    EXPECT_EQ(off.info(3), dev::kHypercallUnknown);
    ScratchDir dir;
    GuestTracer on(uid, 1, dir / "guest");
    EXPECT_EQ(on.info(2), hypercall_trace::kInfoRecording);
}

TEST(GuestTracer, VmUidsDifferPerVmAndFitJsonNumbers) {
    const std::uint64_t a = make_vm_uid(0), b = make_vm_uid(1);
    EXPECT_NE(a, b);
    EXPECT_EQ(a & 0xffff, 0u);
    EXPECT_EQ(b & 0xffff, 1u);
    EXPECT_LT(a, std::uint64_t{1} << 53);
    EXPECT_LT(b, std::uint64_t{1} << 53);
}

TEST(GuestTracer, WithoutTraceFlushesAreTakenAndDropped) {
    GuestTracer tracer(7, 1, "");
    BufferBuilder b(4);
    b.add(kOrigin, trace::guest_event::kMark, 1, 2).add(kOrigin + 1, trace::guest_event::kMark, 1, 3);
    EXPECT_EQ(tracer.flush(b.bytes()), 2u);
    EXPECT_EQ(tracer.flush(std::vector<std::uint8_t>(3)), hypercall_trace::kFlushRejected);
    const GuestTraceStats s = tracer.stats();
    EXPECT_EQ(s.flushes, 2u);
    EXPECT_EQ(s.events, 0u);
    EXPECT_EQ(s.rejected, 1u);
    EXPECT_NE(s.last_error.find("smaller than"), std::string::npos);
}

// The whole exchange on the host side: the sync handler's vmsync_gh_host,
// vmsync_hg_host at the next entry of that vCPU only, and the guest's
// buffer written as the guest trace, each read back.
TEST(GuestTracer, SyncAndFlushProduceHostAndGuestTraces) {
    using namespace trace::guest_event;
    ScratchDir dir;
    const std::uint64_t uid = make_vm_uid(3);
    auto host = trace::HostTrace::start(dir / "host");
    ASSERT_TRUE(host) << host.error().message;
    {
        GuestTracer tracer(uid, 2, dir / "guest");
        tracer.before_entry(0);  // nothing due
        EXPECT_EQ(tracer.sync(0, 10), 11u);
        tracer.before_entry(1);  // another vCPU: still nothing
        tracer.before_entry(0);  // vmsync_hg_host(11)
        tracer.before_entry(0);  // once only
        BufferBuilder b(8);
        b.add(kOrigin + 200, kVmsyncGhGuest, 10, uid)
            .add(kOrigin + 400, kVmsyncHgGuest, 11, uid)
            .add(kOrigin + 600, kMark, 1, 42)
            .add(kOrigin + 800, kSample, 0, 0xfeed, 33)
            .add(kOrigin + 900, 77, 0, 0);  // unknown id: skipped, counted
        EXPECT_EQ(tracer.flush(b.bytes()), 5u);
        ASSERT_TRUE(tracer.close());
        const GuestTraceStats s = tracer.stats();
        EXPECT_EQ(s.syncs, 1u);
        EXPECT_EQ(s.events, 4u);
        EXPECT_EQ(s.unknown_events, 1u);
        EXPECT_EQ(tracer.flush(b.bytes()), 5u);  // after close: taken, dropped
        EXPECT_EQ(tracer.stats().events, 4u);
    }
    ASSERT_TRUE((*host)->stop());

    auto h = trace::TraceReader::open(dir / "host");
    ASSERT_TRUE(h) << h.error().message;
    std::vector<std::pair<std::string, std::uint64_t>> host_events;
    for (auto more = (*h)->next(); more && *more; more = (*h)->next()) {
        host_events.emplace_back(std::string((*h)->name()), (*h)->field_uint("cnt").value_or(0));
        EXPECT_EQ((*h)->field_uint("vm_uid"), uid);
    }
    const decltype(host_events) want_host{{trace::kVmsyncGhHost, 10}, {trace::kVmsyncHgHost, 11}};
    EXPECT_EQ(host_events, want_host);

    auto g = trace::TraceReader::open(dir / "guest");
    ASSERT_TRUE(g) << g.error().message;
    EXPECT_EQ((*g)->info().clock.name, "guest");
    EXPECT_EQ((*g)->info().env.at("vpmu_vm_uid"), std::to_string(uid));
    std::vector<std::pair<std::string, std::int64_t>> guest_events;
    for (auto more = (*g)->next(); more && *more; more = (*g)->next()) {
        guest_events.emplace_back(std::string((*g)->name()), (*g)->timestamp_ns());
    }
    const decltype(guest_events) want_guest{
        {trace::kVmsyncGhGuest, 100}, {trace::kVmsyncHgGuest, 200}, {"guest_mark", 300}, {"guest_sample", 400}};
    EXPECT_EQ(guest_events, want_guest);
}

TEST(ExitTrace, EachExitKindRecordsItsKvmReasonAndDetail) {
    std::uint64_t data = 0;
    std::uint8_t error = 0;
    kvm::IoExit io;
    io.port = 0x600;
    EXPECT_EQ(exit_trace_fields(io).reason, std::uint32_t{KVM_EXIT_IO});
    EXPECT_EQ(exit_trace_fields(io).info, 0x600u);
    const kvm::MsrExit rd{kvm::MsrDirection::read, MsrIndex{0x38f}, 0, &data, &error};
    EXPECT_EQ(exit_trace_fields(rd).reason, std::uint32_t{KVM_EXIT_X86_RDMSR});
    EXPECT_EQ(exit_trace_fields(rd).info, 0x38fu);
    const kvm::MsrExit wr{kvm::MsrDirection::write, MsrIndex{0xc1}, 0, &data, &error};
    EXPECT_EQ(exit_trace_fields(wr).reason, std::uint32_t{KVM_EXIT_X86_WRMSR});
    EXPECT_EQ(exit_trace_fields(kvm::InterruptedExit{}).reason, std::uint32_t{KVM_EXIT_INTR});
    EXPECT_EQ(exit_trace_fields(kvm::RdpmcExit{}).reason, kTraceExitRdpmc);
    EXPECT_EQ(exit_trace_fields(kvm::UnknownExit{123}).reason, 123u);
    kvm::MmioExit mmio;
    mmio.gpa = 0xfee00000;
    EXPECT_EQ(exit_trace_fields(mmio).info, 0xfee00000u);
}

}  // namespace
}  // namespace vpmu::vmm
