#include "trace/sync_command.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>

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
           "    guest events placed where the host says the vCPU was not running:\n"
           "    with the raw clocks (before_sync), with the guest clock's zero at the\n"
           "    VM's first vCPU entry (before_sync_boot_aligned: the naive alignment\n"
           "    for guests whose clock counts from their boot) and synchronized\n"
           "    (after_sync), plus the one-way delays of the sync pairs after it.\n"
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
    // This VM's vCPU threads, when the host trace holds several VMs.
    auto threads = host_threads_of(a.host, report->match.vm_uids);
    if (!threads) {
        std::fprintf(stderr, "vpmu sync: %s\n", threads.error().message.c_str());
        return kStatusError;
    }
    auto before = analyze_traces(a.host, a.guest, ClockLine{}, false, a.options.match_window, &*threads);
    if (!before) {
        std::fprintf(stderr, "vpmu sync: %s\n", before.error().message.c_str());
        return kStatusError;
    }
    auto after = analyze_traces(a.host, a.guest, transform, true, a.options.match_window, &*threads);
    if (!after) {
        std::fprintf(stderr, "vpmu sync: %s\n", after.error().message.c_str());
        return kStatusError;
    }
    // Naive alignment without synchronization: the guest clock's zero at
    // the VM's first entry (analysis.h, first_vcpu_entry_ns).
    auto first_entry = first_vcpu_entry_ns(a.host, &*threads);
    if (!first_entry) {
        std::fprintf(stderr, "vpmu sync: %s\n", first_entry.error().message.c_str());
        return kStatusError;
    }
    std::optional<TraceAnalysis> boot_aligned;
    if (*first_entry) {
        ClockLine zero_at_entry;
        zero_at_entry.y_ref = **first_entry;
        auto analysis = analyze_traces(a.host, a.guest, zero_at_entry, false, a.options.match_window, &*threads);
        if (!analysis) {
            std::fprintf(stderr, "vpmu sync: %s\n", analysis.error().message.c_str());
            return kStatusError;
        }
        boot_aligned = *analysis;
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
    // Placement counts the vCPU entries/exits of these host threads only (0: all).
    json.value("placement_host_threads", static_cast<std::uint64_t>(threads->size()));
    write_analysis_json(json, "before_sync", *before);
    if (boot_aligned) {
        json.begin_object("before_sync_boot_aligned");
        json.value("guest_zero_at_host_ns", **first_entry);
        write_analysis_members(json, *boot_aligned);
        json.end_object();
    } else {
        json.null("before_sync_boot_aligned");
    }
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
    const PlacementStats& raw = before->placement;
    std::fprintf(stderr, "guest events where the host says the vCPU was not running (of those in the host's span):\n"
                         "  raw clocks: %.2f%% (%llu of %llu)\n",
                 100 * raw.share(), static_cast<unsigned long long>(raw.misplaced),
                 static_cast<unsigned long long>(raw.guest_events));
    if (boot_aligned) {
        const PlacementStats& p = boot_aligned->placement;
        std::fprintf(stderr, "  guest zero at the first vCPU entry: %.2f%% (%llu of %llu)\n", 100 * p.share(),
                     static_cast<unsigned long long>(p.misplaced), static_cast<unsigned long long>(p.guest_events));
    }
    std::fprintf(stderr, "  synchronized: %.2f%% (%llu of %llu)\n", 100 * after->placement.share(),
                 static_cast<unsigned long long>(after->placement.misplaced),
                 static_cast<unsigned long long>(after->placement.guest_events));
    std::fprintf(stderr, "merged trace: %s (%llu host + %llu guest events)\n", a.out.c_str(),
                static_cast<unsigned long long>(merged->host_events),
                static_cast<unsigned long long>(merged->guest_events));
    for (const auto& w : report->warnings) std::fprintf(stderr, "vpmu sync: warning: %s\n", w.c_str());
    return 0;
}

}  // namespace vpmu::trace
