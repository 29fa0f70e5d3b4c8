#include "trace/writer.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "test_support.h"
#include "trace/events.h"

namespace vpmu::trace {
namespace {

using test::babeltrace2;
using test::TempDir;

std::size_t count_lines(const std::string& text, const std::string& needle) {
    std::size_t n = 0, pos = 0;
    while ((pos = text.find(needle, pos)) != std::string::npos) {
        ++n;
        pos += needle.size();
    }
    return n;
}

TraceSchema all_types_schema() {
    using namespace ctf;
    TraceSchema s;
    s.trace_uuid = random_uuid();
    s.clock.uuid = random_uuid();
    s.env = {{"hostname", std::string("unit")}, {"answer", std::int64_t{42}}};
    StreamClass sc;
    sc.id = 3;
    sc.packet_context = {{"cpu_id", u32()}};
    sc.events = {
        {"ints", 0, {{"a", u8()}, {"b", s16()}, {"c", u32()}, {"d", s64()}, {"e", hex64()}}},
        {"mixed", 1,
         {{"name", string()},
          {"ratio", real64()},
          {"mode", enumeration(u8(), {{"OFF", 0, 0}, {"ON", 1, 1}, {"MANY", 2, 9}})},
          {"pair", array(u16(), 2)},
          {"n", u32()},
          {"items", sequence(s32(), "n")},
          {"nested", structure({{"x", u8()}, {"align", string()}})}}},
        {"empty", 2, {}},
    };
    s.streams.push_back(sc);
    return s;
}

TEST(Writer, EveryFieldTypeReadsBackThroughBabeltrace2WithoutWarnings) {
    TempDir dir;
    auto w = TraceWriter::create(dir.path(), all_types_schema());
    ASSERT_TRUE(w) << w.error().message;
    auto s = (*w)->add_stream(3, "stream_0", {7});
    ASSERT_TRUE(s) << s.error().message;
    using L = Value::List;
    ASSERT_TRUE((*s)->write(0, 1000, L{200u, -3, 4000000000u, std::int64_t{-5000000000}, 0xdeadbeefULL}));
    ASSERT_TRUE((*s)->write(1, 2000,
                            L{"hello \"world\"", 2.5, 5u, L{1u, 65535u}, 3u, L{-1, 0, 1},
                              L{9u, "kw"}}));
    ASSERT_TRUE((*s)->write(2, 3000, L{}));
    ASSERT_TRUE((*w)->close());

    const auto r = babeltrace2(dir.path());
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_NE(r.out.find("ints: { cpu_id = 7 }, { a = 200, b = -3, c = 4000000000, d = -5000000000, e = 0xDEADBEEF }"),
              std::string::npos) << r.out;
    EXPECT_NE(r.out.find("name = \"hello \\\"world\\\"\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("ratio = 2.5"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("( \"MANY\" : container = 5 )"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("pair = [ [0] = 1, [1] = 65535 ]"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("items = [ [0] = -1, [1] = 0, [2] = 1 ]"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("nested = { x = 9, align = \"kw\" }"), std::string::npos) << r.out;
    EXPECT_EQ(count_lines(r.out, "\n"), 3u) << r.out;
}

}  // namespace
}  // namespace vpmu::trace
