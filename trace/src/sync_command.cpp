#include "trace/sync_command.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "trace/analysis.h"
#include "trace/json.h"
#include "trace/merge.h"
#include "trace/sync.h"
#include "trace/writer.h"

namespace vpmu::trace {
namespace {

constexpr int kStatusError = 1;
constexpr int kStatusBadUsage = 125;

struct SyncArgs {
    std::string host, guest, out, json;
    SyncOptions options;
};

int usage_error(const std::string& message) {
    std::fprintf(stderr, "vpmu sync: %s (see 'vpmu sync --help')\n", message.c_str());
    return kStatusBadUsage;
}

bool write_text_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    return static_cast<bool>(out);
}

}  // namespace

std::string sync_usage() {
    return "usage: vpmu sync --host DIR --guest DIR --out DIR [--json FILE] [--window N]\n"
           "  Aligns a guest trace to its host trace with the convex-hull algorithm over\n"
           "  the vmsync_* event pairs, writes the merged trace (CTF, host clock) to OUT\n"
           "  and the summary JSON to FILE (stdout without --json):\n"
           "    t_host_ns = slope * t_guest_ns + offset_ns, drift_ppm, quality\n"
           "    (accurate|approximate|incomplete|fail), pairs, bounds, and the share of\n"
           "    guest events placed where the host says the vCPU was not running,\n"
           "    before and after synchronization.\n"
           "  A summary for people goes to stderr.\n"
           "  --window N   sync counter values an unmatched event may wait (default 4096)\n";
}

int run_sync_command(const std::vector<std::string>& args) {
    SyncArgs a;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "-h" || arg == "--help") {
            std::fputs(sync_usage().c_str(), stdout);
            return 0;
        }
        std::string* target = arg == "--host" ? &a.host : arg == "--guest" ? &a.guest
                            : arg == "--out" ? &a.out : arg == "--json" ? &a.json : nullptr;
        if (arg == "--window") {
            if (i + 1 >= args.size()) return usage_error("--window needs a number");
            char* end = nullptr;
            const unsigned long long w = std::strtoull(args[++i].c_str(), &end, 10);
            if (!end || *end || w == 0) return usage_error("--window: '" + args[i] + "' is not a positive number");
            a.options.match_window = w;
            continue;
        }
        if (!target) return usage_error("unknown argument '" + arg + "'");
        if (i + 1 >= args.size()) return usage_error(arg + " needs a value");
        *target = args[++i];
    }
    if (a.host.empty() || a.guest.empty() || a.out.empty()) {
        return usage_error("--host, --guest and --out are required");
    }

    auto report = synchronize(a.host, a.guest, a.options);
    if (!report) {
        std::fprintf(stderr, "vpmu sync: %s\n", report.error().message.c_str());
        return kStatusError;
    }
    const ClockLine& transform = report->hull.transform;
    auto merged = merge_traces(a.host, a.guest, a.out, transform);
    if (!merged) {
        std::fprintf(stderr, "vpmu sync: %s\n", merged.error().message.c_str());
        return kStatusError;
    }
    auto before = analyze_traces(a.host, a.guest, ClockLine{}, false, a.options.match_window);
    if (!before) {
        std::fprintf(stderr, "vpmu sync: %s\n", before.error().message.c_str());
        return kStatusError;
    }
    auto after = analyze_traces(a.host, a.guest, transform, true, a.options.match_window);
    if (!after) {
        std::fprintf(stderr, "vpmu sync: %s\n", after.error().message.c_str());
        return kStatusError;
    }

    JsonWriter json;
    json.begin_object();
    write_sync_json(json, *report);
    json.begin_object("merged");
    json.value("dir", a.out);
    json.value("host_events", merged->host_events);
    json.value("guest_events", merged->guest_events);
    json.value("clamped_events", merged->clamped);
    json.value("unsupported_fields", merged->unsupported_fields);
    json.end_object();
    write_analysis_json(json, "before_sync", *before);
    write_analysis_json(json, "after_sync", *after);
    json.end_object();
    // Not inside OUT: babeltrace2 takes every file of a trace directory for
    // a stream file.
    const std::string text = json.str();
    if (a.json.empty()) {
        std::fputs(text.c_str(), stdout);
    } else if (!write_text_file(a.json, text)) {
        std::fprintf(stderr, "vpmu sync: %s: cannot write\n", a.json.c_str());
        return kStatusError;
    }

    const HullSyncResult& h = report->hull;
    std::fprintf(stderr, "quality %s%s%s\n", to_string(h.quality), h.reason.empty() ? "" : ": ", h.reason.c_str());
    std::fprintf(stderr, "t_host_ns = %.15Lg * t_guest_ns + %.3Lf  (drift %.3Lf ppm", h.transform.slope,
                h.transform.offset(), (h.transform.slope - 1) * 1e6L);
    if (h.accuracy_ns) std::fprintf(stderr, ", within %.0Lf ns over the sync span", *h.accuracy_ns);
    std::fprintf(stderr, ")\n");
    std::fprintf(stderr, "pairs: %llu guest->host, %llu host->guest; unmatched: %llu guest, %llu host\n",
                static_cast<unsigned long long>(h.pairs_gh), static_cast<unsigned long long>(h.pairs_hg),
                static_cast<unsigned long long>(report->match.unmatched_guest),
                static_cast<unsigned long long>(report->match.unmatched_host));
    std::fprintf(stderr, "guest events where the host says the vCPU was not running: %.2f%% before, %.2f%% after\n",
                100 * before->placement.share(), 100 * after->placement.share());
    std::fprintf(stderr, "merged trace: %s (%llu host + %llu guest events)\n", a.out.c_str(),
                static_cast<unsigned long long>(merged->host_events),
                static_cast<unsigned long long>(merged->guest_events));
    for (const auto& w : report->warnings) std::fprintf(stderr, "vpmu sync: warning: %s\n", w.c_str());
    return 0;
}

}  // namespace vpmu::trace
