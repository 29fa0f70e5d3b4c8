#include "trace/sync.h"

#include "trace/events.h"
#include "trace/json.h"

namespace vpmu::trace {

bool sync_event_kind(std::string_view name, SyncDirection& direction, bool& is_guest_side) {
    if (name.substr(0, 7) != "vmsync_") return false;
    if (name == kVmsyncGhGuest) { direction = SyncDirection::GuestToHost; is_guest_side = true; return true; }
    if (name == kVmsyncGhHost) { direction = SyncDirection::GuestToHost; is_guest_side = false; return true; }
    if (name == kVmsyncHgHost) { direction = SyncDirection::HostToGuest; is_guest_side = false; return true; }
    if (name == kVmsyncHgGuest) { direction = SyncDirection::HostToGuest; is_guest_side = true; return true; }
    return false;
}

std::size_t PairMatcher::waiting() const {
    return guest_[0].size() + guest_[1].size() + host_[0].size() + host_[1].size();
}

void PairMatcher::drop(Pending& p, Pending::iterator it, bool from_guest) {
    if (from_guest) ++stats_.unmatched_guest;
    else if (stats_.vm_uids.count(it->first.vm_uid)) ++stats_.unmatched_host;
    else ++stats_.other_vm_host;
    p.erase(it);
}

void PairMatcher::match(Pending& mine, Pending& theirs, SyncDirection d, Key k, std::int64_t ns,
                        bool from_guest) {
    if (auto it = theirs.find(k); it != theirs.end()) {
        const std::int64_t other = it->second;
        theirs.erase(it);
        if (d == SyncDirection::GuestToHost) ++stats_.pairs_gh;
        else ++stats_.pairs_hg;
        if (on_pair_) on_pair_(d, from_guest ? ns : other, from_guest ? other : ns);
        return;
    }
    auto [it, fresh] = mine.emplace(k, ns);
    if (!fresh) {
        ++stats_.duplicates;
        it->second = ns;
    }
}

void PairMatcher::guest_event(SyncDirection d, std::uint32_t cnt, std::uint64_t vm_uid, std::int64_t ns) {
    const int i = d == SyncDirection::GuestToHost ? 0 : 1;
    stats_.vm_uids.insert(vm_uid);
    guest_progress_ = std::max<std::uint64_t>(guest_progress_, cnt);
    match(guest_[i], host_[i], d, {cnt, vm_uid}, ns, true);
    evict();
}

void PairMatcher::host_event(SyncDirection d, std::uint32_t cnt, std::uint64_t vm_uid, std::int64_t ns) {
    const int i = d == SyncDirection::GuestToHost ? 0 : 1;
    if (!stats_.vm_uids.empty() && !stats_.vm_uids.count(vm_uid)) {
        ++stats_.other_vm_host;  // another VM on the same host
        return;
    }
    host_progress_ = std::max<std::uint64_t>(host_progress_, cnt);
    match(host_[i], guest_[i], d, {cnt, vm_uid}, ns, false);
    evict();
}

void PairMatcher::evict() {
    const std::uint64_t floor = std::min(guest_progress_, host_progress_);
    if (floor <= window_) return;
    for (int i = 0; i < 2; ++i) {
        while (!guest_[i].empty() && guest_[i].begin()->first.cnt + window_ < floor) {
            drop(guest_[i], guest_[i].begin(), true);
        }
        while (!host_[i].empty() && host_[i].begin()->first.cnt + window_ < floor) {
            drop(host_[i], host_[i].begin(), false);
        }
    }
}

void PairMatcher::finish() {
    for (int i = 0; i < 2; ++i) {
        while (!guest_[i].empty()) drop(guest_[i], guest_[i].begin(), true);
        while (!host_[i].empty()) drop(host_[i], host_[i].begin(), false);
    }
}

namespace {

// A trace read as a sequence of its sync events, counting everything else.
struct SyncSource {
    std::unique_ptr<TraceReader> reader;
    TraceSummary summary;
    bool guest_side = false;  // which sync events belong in this trace
    bool done = false;
    std::uint64_t wrong_side = 0;
    std::uint64_t last_cnt = 0;

    struct Event {
        SyncDirection direction;
        std::uint32_t cnt;
        std::uint64_t vm_uid;
        std::int64_t ns;
    };

    // The next sync event of this trace's side; nullopt at the end.
    Result<std::optional<Event>> next(MatchStats& stats) {
        for (;;) {
            auto more = reader->next();
            if (!more) return more.error();
            if (!*more) {
                done = true;
                return std::optional<Event>{};
            }
            ++summary.events;
            SyncDirection d;
            bool guest;
            if (!sync_event_kind(reader->name(), d, guest)) continue;
            if (guest != guest_side) {
                ++wrong_side;
                continue;
            }
            ++summary.sync_events;
            const auto cnt = reader->field_uint("cnt");
            const auto uid = reader->field_uint("vm_uid");
            if (!cnt || !uid) {
                ++stats.malformed;
                continue;
            }
            last_cnt = static_cast<std::uint32_t>(*cnt);
            return std::optional<Event>{Event{d, static_cast<std::uint32_t>(*cnt), *uid, reader->timestamp_ns()}};
        }
    }
};

Result<SyncSource> open_source(const std::string& dir, bool guest_side) {
    auto r = TraceReader::open(dir);
    if (!r) return r.error();
    SyncSource s;
    s.reader = std::move(*r);
    s.guest_side = guest_side;
    s.summary.dir = dir;
    const TraceInfo& info = s.reader->info();
    if (info.clock.uuid) s.summary.clock_uuid = uuid_string(*info.clock.uuid);
    if (auto it = info.env.find("hostname"); it != info.env.end()) s.summary.hostname = it->second;
    return s;
}

}  // namespace

Result<SyncReport> synchronize(const std::string& host_dir, const std::string& guest_dir,
                               const SyncOptions& options) {
    if (host_dir == guest_dir) return make_error(host_dir + ": given as both the host and the guest trace");
    auto host = open_source(host_dir, false);
    if (!host) return host.error();
    auto guest = open_source(guest_dir, true);
    if (!guest) return guest.error();

    SyncReport report;
    HullSync hull;
    PairMatcher matcher(options.match_window, [&](SyncDirection d, std::int64_t g, std::int64_t h) {
        if (d == SyncDirection::GuestToHost) hull.add_guest_to_host(g, h);
        else hull.add_host_to_guest(h, g);
    });
    MatchStats scratch;
    // Advance the trace whose sync counter lags (the guest on ties, so the
    // guest's vm_uid is known before host events of other VMs arrive).
    while (!host->done || !guest->done) {
        const bool take_guest =
            !guest->done && (host->done || matcher.guest_progress() <= matcher.host_progress());
        SyncSource& src = take_guest ? *guest : *host;
        auto e = src.next(scratch);
        if (!e) return e.error();
        if (!*e) continue;
        if (take_guest) matcher.guest_event((*e)->direction, (*e)->cnt, (*e)->vm_uid, (*e)->ns);
        else matcher.host_event((*e)->direction, (*e)->cnt, (*e)->vm_uid, (*e)->ns);
    }
    matcher.finish();

    if (host->wrong_side > 0 && host->summary.sync_events == 0) {
        return make_error(host_dir + ": holds guest-side vmsync events and no host-side ones "
                          "(are --host and --guest swapped?)");
    }
    if (guest->wrong_side > 0 && guest->summary.sync_events == 0) {
        return make_error(guest_dir + ": holds host-side vmsync events and no guest-side ones "
                          "(are --host and --guest swapped?)");
    }
    report.hull = hull.result();
    report.match = matcher.stats();
    report.match.malformed = scratch.malformed;
    report.host = host->summary;
    report.guest = guest->summary;
    report.host.discarded_events = host->reader->stats().discarded_events;
    report.guest.discarded_events = guest->reader->stats().discarded_events;
    if (!report.host.clock_uuid.empty() && report.host.clock_uuid == report.guest.clock_uuid) {
        report.warnings.push_back("host and guest traces share clock UUID " + report.host.clock_uuid +
                                  ": Trace Compass will take them for one host");
    }
    if (report.match.malformed > 0) {
        report.warnings.push_back(std::to_string(report.match.malformed) +
                                  " vmsync events lack integer fields cnt/vm_uid");
    }
    if (report.match.vm_uids.size() > 1) {
        report.warnings.push_back("the guest trace holds " + std::to_string(report.match.vm_uids.size()) +
                                  " vm_uid values; all are synchronized as one guest");
    }
    if (host->wrong_side > 0 || guest->wrong_side > 0) {
        report.warnings.push_back("sync events of the other side found in a trace were ignored");
    }
    return report;
}

void write_sync_json(JsonWriter& json, const SyncReport& r) {
    const HullSyncResult& h = r.hull;
    json.number("slope", h.transform.slope, 19);
    json.number("offset_ns", h.transform.offset(), 3, true);
    json.number("drift_ppm", (h.transform.slope - 1) * 1e6L, 12);
    json.value("quality", to_string(h.quality));
    json.value("reason", h.reason);
    // Exact form: t_host = host_ref_ns + slope * (t_guest - guest_ref_ns),
    // referred to the data, for clocks with large origins.
    json.value("guest_ref_ns", h.transform.x_ref);
    json.number("host_ref_ns", static_cast<long double>(h.transform.y_ref) + h.transform.c, 3, true);
    json.begin_object("pairs");
    json.value("guest_to_host", h.pairs_gh);
    json.value("host_to_guest", h.pairs_hg);
    json.end_object();
    json.begin_object("bounds");
    auto line = [&](const char* name, const std::optional<ClockLine>& l) {
        if (!l) {
            json.null(name);
            return;
        }
        json.begin_object(name);
        json.number("slope", l->slope, 19);
        json.number("offset_ns", l->offset(), 3, true);
        json.number("drift_ppm", (l->slope - 1) * 1e6L, 12);
        json.end_object();
    };
    line("min_slope", h.min_slope_line);
    line("max_slope", h.max_slope_line);
    json.optional_number("accuracy_ns", h.accuracy_ns, 3, true);
    json.end_object();
    json.begin_object("hull_points");
    json.value("guest_to_host", static_cast<std::uint64_t>(h.hull_gh));
    json.value("host_to_guest", static_cast<std::uint64_t>(h.hull_hg));
    json.end_object();
    json.begin_object("unmatched");
    json.value("guest", r.match.unmatched_guest);
    json.value("host", r.match.unmatched_host);
    json.value("other_vm_host", r.match.other_vm_host);
    json.value("duplicates", r.match.duplicates);
    json.value("malformed", r.match.malformed);
    json.end_object();
    json.begin_array("vm_uids");
    for (const std::uint64_t u : r.match.vm_uids) json.value(nullptr, u);
    json.end_array();
    auto trace = [&](const char* name, const TraceSummary& t) {
        json.begin_object(name);
        json.value("dir", t.dir);
        json.value("clock_uuid", t.clock_uuid);
        json.value("hostname", t.hostname);
        json.value("events", t.events);
        json.value("sync_events", t.sync_events);
        json.value("discarded_events", t.discarded_events);
        json.end_object();
    };
    trace("host", r.host);
    trace("guest", r.guest);
    json.begin_array("warnings");
    for (const auto& w : r.warnings) json.value(nullptr, w);
    json.end_array();
}

}  // namespace vpmu::trace
