#include "trace/sync.h"

#include <gtest/gtest.h>

#include <cmath>

#include "synthetic_traces.h"
#include "test_support.h"
#include "trace/analysis.h"
#include "trace/merge.h"
#include "trace/sync_command.h"

namespace vpmu::trace {
namespace {

using test::SyntheticRun;
using test::TempDir;

// The first `"key": value` in `json` (std::regex is avoided: GCC 12 warns
// inside it under the sanitizers).
std::string json_raw(const std::string& json, const std::string& key) {
    const std::string needle = "\"" + key + "\": ";
    const auto at = json.find(needle);
    if (at == std::string::npos) return "";
    const auto start = at + needle.size();
    const auto end = json.find_first_of(",\n}", start);
    return json.substr(start, end - start);
}

double json_number(const std::string& json, const std::string& key) {
    const std::string raw = json_raw(json, key);
    return raw.empty() || raw[0] == '"' ? NAN : std::stod(raw);
}

std::string json_string(const std::string& json, const std::string& key) {
    const std::string raw = json_raw(json, key);
    return raw.size() >= 2 && raw[0] == '"' ? raw.substr(1, raw.size() - 2) : "";
}

TEST(Synchronize, RecoversTheSyntheticClockPairFromTraces) {
    TempDir dir;
    SyntheticRun run;
    run.exchanges = 2000;
    write_synthetic_traces(run, dir / "host", dir / "guest");
    auto r = synchronize(dir / "host", dir / "guest");
    ASSERT_TRUE(r) << r.error().message;
    const HullSyncResult& h = r->hull;
    ASSERT_EQ(h.quality, SyncQuality::Accurate) << h.reason;
    EXPECT_EQ(h.pairs_gh, 2000u);
    EXPECT_EQ(h.pairs_hg, 2000u);
    EXPECT_EQ(r->match.unmatched_guest + r->match.unmatched_host, 0u);
    const std::int64_t mid = run.guest_start_ns + run.exchanges * run.period_ns / 2;
    EXPECT_LE(std::fabs(h.transform.at(mid) - run.clocks.host_of(mid)), *h.accuracy_ns + 1);
    EXPECT_NEAR(static_cast<double>((h.transform.slope - 1) * 1e6L), 37.0, 2.0);
    EXPECT_NE(r->host.clock_uuid, r->guest.clock_uuid);
}

TEST(Synchronize, OneDirectionMissingIsIncomplete) {
    TempDir dir;
    SyntheticRun run;
    run.exchanges = 200;
    run.host_to_guest = false;
    write_synthetic_traces(run, dir / "host", dir / "guest");
    auto r = synchronize(dir / "host", dir / "guest");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->hull.quality, SyncQuality::Incomplete);
    EXPECT_EQ(r->hull.pairs_hg, 0u);
}

TEST(Synchronize, OtherVmsAndMismatchedKeysAreCountedNotPaired) {
    TempDir dir;
    SyntheticRun run;
    run.exchanges = 300;
    run.other_vm_uid = 0x99;
    write_synthetic_traces(run, dir / "host", dir / "guest");
    // A guest trace of another VM: same counters, other vm_uid: nothing pairs.
    SyntheticRun stranger = run;
    stranger.vm_uid = 0x5555;
    stranger.other_vm_uid = 0;
    write_synthetic_traces(stranger, dir / "host2", dir / "guest2");
    auto r = synchronize(dir / "host", dir / "guest");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->hull.pairs_gh, 300u);
    EXPECT_EQ(r->match.other_vm_host, 300u);
    auto none = synchronize(dir / "host", dir / "guest2");
    ASSERT_TRUE(none) << none.error().message;
    EXPECT_EQ(none->hull.pairs_gh + none->hull.pairs_hg, 0u);
    EXPECT_EQ(none->hull.quality, SyncQuality::Fail);
    EXPECT_EQ(none->match.unmatched_guest, 600u);
    EXPECT_EQ(none->match.other_vm_host, 900u);
}

TEST(Synchronize, SwappedOrRepeatedTracesAreErrors) {
    TempDir dir;
    SyntheticRun run;
    run.exchanges = 10;
    write_synthetic_traces(run, dir / "host", dir / "guest");
    auto swapped = synchronize(dir / "guest", dir / "host");
    ASSERT_FALSE(swapped);
    EXPECT_NE(swapped.error().message.find("swapped"), std::string::npos) << swapped.error().message;
    auto same = synchronize(dir / "host", dir / "host");
    ASSERT_FALSE(same);
    auto missing = synchronize(dir / "host", dir / "nothing");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find(dir / "nothing"), std::string::npos);
}

TEST(SyncCommand, WritesMergedTraceAndSummaryAndFixesPlacement) {
    TempDir dir;
    SyntheticRun run;
    run.exchanges = 500;
    // A small offset, so that unsynchronized guest events land inside the
    // host trace, at wrong places (Gebai's Table 5.2 "before").
    run.clocks.offset_ns = 300'000;
    run.clocks.drift_ppm = 500;
    const auto counts = write_synthetic_traces(run, dir / "host", dir / "guest");
    const int status = run_sync_command({"--host", dir / "host", "--guest", dir / "guest", "--out",
                                         dir / "merged", "--json", dir / "summary.json"});
    ASSERT_EQ(status, 0);
    const std::string json = test::read_text(dir / "summary.json");
    EXPECT_EQ(json_string(json, "quality"), "accurate") << json;
    EXPECT_NEAR(json_number(json, "slope"), 1.0005, 2e-6) << json;
    EXPECT_NEAR(json_number(json, "drift_ppm"), 500.0, 2.0) << json;
    EXPECT_NEAR(json_number(json, "offset_ns"), 300'000.0, 5'000 + 2e-6 * 1.5e9) << json;
    EXPECT_EQ(json_number(json, "guest_to_host"), 500.0) << json;
    EXPECT_EQ(json_number(json, "host_to_guest"), 500.0) << json;
    // Placement: some guest events misplaced before, none after.
    const auto before = json.find("\"before_sync\"");
    const auto after = json.find("\"after_sync\"");
    ASSERT_NE(before, std::string::npos);
    ASSERT_NE(after, std::string::npos);
    EXPECT_GT(json_number(json.substr(before), "misplaced"), 0.0) << json;
    EXPECT_EQ(json_number(json.substr(after), "misplaced"), 0.0) << json;
    EXPECT_GT(json_number(json.substr(after), "guest_events"), 1000.0) << json;
    EXPECT_EQ(json_number(json.substr(after), "negative_guest_to_host"), 0.0) << json;
    EXPECT_EQ(json_number(json.substr(after), "negative_host_to_guest"), 0.0) << json;

    // The merged trace reads cleanly, holds every event, and orders each
    // exchange causally: a < b and c < d on the host clock.
    const auto bt = test::babeltrace2(dir / "merged");
    ASSERT_EQ(bt.status, 0) << bt.err;
    EXPECT_EQ(bt.err, "");
    std::size_t lines = 0, pos = 0;
    while ((pos = bt.out.find('\n', pos)) != std::string::npos) ++lines, ++pos;
    EXPECT_EQ(lines, counts.host_events + counts.guest_events);
    std::vector<std::string> order;
    std::size_t line_start = 0;
    while (line_start < bt.out.size()) {
        std::size_t line_end = bt.out.find('\n', line_start);
        if (line_end == std::string::npos) line_end = bt.out.size();
        const std::string line = bt.out.substr(line_start, line_end - line_start);
        line_start = line_end + 1;
        const auto name = line.find("vmsync_");
        const auto cnt = line.find("cnt = ");
        if (name == std::string::npos || cnt == std::string::npos) continue;
        if (std::stoi(line.substr(cnt + 6)) < 6) order.push_back(line.substr(name, line.find(':', name) - name));
    }
    const std::vector<std::string> expected = {
        "vmsync_gh_guest", "vmsync_gh_host", "vmsync_hg_host", "vmsync_hg_guest",
        "vmsync_gh_guest", "vmsync_gh_host", "vmsync_hg_host", "vmsync_hg_guest",
        "vmsync_gh_guest", "vmsync_gh_host", "vmsync_hg_host", "vmsync_hg_guest"};
    EXPECT_EQ(order, expected) << bt.out.substr(0, 3000);
}

TEST(SyncCommand, BadUsageIs125) {
    EXPECT_EQ(run_sync_command({"--host", "x"}), 125);
    EXPECT_EQ(run_sync_command({"--bogus"}), 125);
    EXPECT_EQ(run_sync_command({"--window", "zero"}), 125);
}

TEST(SyncCommand, UnreadableTraceIs1) {
    TempDir dir;
    EXPECT_EQ(run_sync_command({"--host", dir / "a", "--guest", dir / "b", "--out", dir / "c"}), 1);
}

}  // namespace
}  // namespace vpmu::trace
