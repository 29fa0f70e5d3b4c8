#include "trace/reader.h"

#include <gtest/gtest.h>

#include "test_support.h"
#include "trace/events.h"
#include "trace/writer.h"

namespace vpmu::trace {
namespace {

using test::TempDir;

// A guest trace with `n` vmsync_gh_guest events per stream, 1 µs apart.
void write_guest_trace(const std::string& dir, std::uint64_t vm_uid, int streams, int n) {
    GuestSchemaOptions g;
    g.vm_uid = vm_uid;
    WriterOptions o;
    o.packet_bytes = 4096;
    auto w = TraceWriter::create(dir, guest_schema(g), o);
    ASSERT_TRUE(w) << w.error().message;
    for (int s = 0; s < streams; ++s) {
        auto st = (*w)->add_stream(0, "guest_" + std::to_string(s), {static_cast<std::uint64_t>(s)});
        ASSERT_TRUE(st);
        for (int i = 0; i < n; ++i) {
            ASSERT_TRUE((*st)->write(guest_event::kVmsyncGhGuest, 1000 + 1000u * i + s,
                                     Value::List{static_cast<std::uint64_t>(i * streams + s), vm_uid}));
        }
    }
    ASSERT_TRUE((*w)->close());
}

TEST(Reader, ReadsOwnTraceInTimeOrderWithFieldsAndClock) {
    TempDir dir;
    write_guest_trace(dir.path(), 0xabcdef0123456789ULL, 2, 1000);
    auto r = TraceReader::open(dir.path());
    ASSERT_TRUE(r) << r.error().message;
    TraceReader& reader = **r;
    EXPECT_EQ(reader.info().clock.name, "guest");
    ASSERT_TRUE(reader.info().clock.uuid);
    EXPECT_EQ(*reader.info().clock.uuid, uuid_from_u64(0xabcdef0123456789ULL, 0x67756573745f636bULL));
    EXPECT_EQ(reader.info().env.at("vpmu_domain"), "guest");
    std::int64_t last = -1;
    std::uint64_t n = 0;
    for (;;) {
        auto more = reader.next();
        ASSERT_TRUE(more) << more.error().message;
        if (!*more) break;
        EXPECT_EQ(reader.name(), "vmsync_gh_guest");
        EXPECT_GE(reader.timestamp_ns(), last);
        last = reader.timestamp_ns();
        EXPECT_EQ(reader.field_uint("vm_uid"), 0xabcdef0123456789ULL);
        EXPECT_EQ(reader.field_uint("cnt"), n);  // interleaved streams in time order
        EXPECT_EQ(reader.packet_int("cpu_id"), static_cast<std::int64_t>(n % 2));
        ++n;
    }
    EXPECT_EQ(n, 2000u);
    EXPECT_EQ(reader.stats().events, 2000u);
}

TEST(Reader, CorruptMetadataIsAnErrorNamingTheTrace) {
    TempDir dir;
    write_guest_trace(dir.path(), 1, 1, 10);
    std::string meta = test::read_text(dir / "metadata");
    meta.replace(meta.find("stream {"), 8, "strem {");
    test::write_text(dir / "metadata", meta);
    auto r = TraceReader::open(dir.path());
    ASSERT_FALSE(r);
    const std::string& e = r.error().message;
    EXPECT_NE(e.find(dir.path()), std::string::npos) << e;
    EXPECT_NE(e.find("At line"), std::string::npos) << e;  // the metadata line, from babeltrace2's log
    EXPECT_NE(e.find("strem"), std::string::npos) << e;
}

TEST(Reader, TruncatedStreamIsAnErrorNamingFileAndOffset) {
    TempDir dir;
    write_guest_trace(dir.path(), 1, 1, 1000);
    const std::size_t size = test::file_size(dir / "guest_0");
    test::truncate_file(dir / "guest_0", size - 7);
    auto r = TraceReader::open(dir.path());
    std::string error;
    if (!r) {
        error = r.error().message;
    } else {
        for (;;) {
            auto more = (*r)->next();
            if (!more) {
                error = more.error().message;
                break;
            }
            if (!*more) break;
        }
    }
    EXPECT_NE(error.find(dir / "guest_0"), std::string::npos) << error;
    EXPECT_NE(error.find("packet-offset="), std::string::npos) << error;
}

TEST(Reader, CorruptEventInsideAPacketIsAnErrorNamingTheStream) {
    TempDir dir;
    write_guest_trace(dir.path(), 1, 1, 1000);
    // Overwrite the id of an event in the first packet: no such event class.
    std::string data = test::read_text(dir / "guest_0");
    const std::size_t prologue = kPacketHeaderSize + 6 * 8 + 4;  // + cpu_id
    const std::size_t event = prologue + 3 * (kEventHeaderSize + 12);
    data[event] = '\x77';
    data[event + 1] = '\x77';
    test::write_text(dir / "guest_0", data);
    std::string error;
    if (auto r = TraceReader::open(dir.path()); !r) {
        error = r.error().message;
    } else {
        for (;;) {
            auto more = (*r)->next();
            if (!more) {
                error = more.error().message;
                break;
            }
            ASSERT_TRUE(*more) << "the corrupt event went unnoticed";
        }
    }
    EXPECT_NE(error.find(dir.path()), std::string::npos) << error;
    EXPECT_NE(error.find("30583"), std::string::npos) << error;  // the bad id, 0x7777
}

TEST(Reader, MissingDirectoryOrMetadataIsAnError) {
    TempDir dir;
    auto none = TraceReader::open(dir / "nope");
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().message.find("not a trace directory"), std::string::npos);
    auto empty = TraceReader::open(dir.path());
    ASSERT_FALSE(empty);
    EXPECT_NE(empty.error().message.find("metadata: missing"), std::string::npos);
}

}  // namespace
}  // namespace vpmu::trace
