#include "trace/analysis.h"

#include <cmath>
#include <vector>

#include "trace/json.h"
#include "trace/reader.h"
#include "trace/sync.h"

namespace vpmu::trace {

namespace {
constexpr long double kGrowth = 1.01L;  // bucket width: 1% of the value
}

int Distribution::bucket(long double v) {
    const long double mag = std::fabs(v);
    const int b = mag < 1 ? 0 : 1 + static_cast<int>(std::floor(std::log(mag) / std::log(kGrowth)));
    return v < 0 ? -b - 1 : b;
}

long double Distribution::bucket_value(int b) {
    if (b < 0) return -bucket_value(-b - 1);
    if (b == 0) return 0;
    return std::pow(kGrowth, static_cast<long double>(b - 1) + 0.5L);
}

void Distribution::add(long double v) {
    if (n_ == 0) min_ = max_ = v;
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
    ++n_;
    const long double d = v - mean_;
    mean_ += d / static_cast<long double>(n_);
    m2_ += d * (v - mean_);
    ++histogram_[bucket(v)];
}

long double Distribution::stddev() const {
    return n_ > 1 ? std::sqrt(m2_ / static_cast<long double>(n_ - 1)) : 0.0L;
}

long double Distribution::percentile(double p) const {
    if (n_ == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(n_)));
    std::uint64_t seen = 0;
    for (const auto& [b, count] : histogram_) {
        seen += count;
        if (seen >= std::max<std::uint64_t>(rank, 1)) {
            return std::clamp(bucket_value(b), min_, max_);
        }
    }
    return max_;
}

void Distribution::write_json(JsonWriter& json, const char* key) const {
    json.begin_object(key);
    json.value("count", n_);
    if (n_ > 0) {
        json.number("mean_ns", mean_, 1, true);
        json.number("sd_ns", stddev(), 1, true);
        json.number("min_ns", min_, 1, true);
        json.number("p50_ns", percentile(50), 1, true);
        json.number("p90_ns", percentile(90), 1, true);
        json.number("p99_ns", percentile(99), 1, true);
        json.number("max_ns", max_, 1, true);
    }
    json.end_object();
}

namespace {

enum class VcpuState { Unknown, Running, Stopped };

bool vcpu_transition(std::string_view name, bool& running) {
    if (name == "vpmu_vcpu_entry" || name == "kvm_entry" || name == "kvm_x86_entry") {
        running = true;
        return true;
    }
    if (name == "vpmu_vcpu_exit" || name == "kvm_exit" || name == "kvm_x86_exit") {
        running = false;
        return true;
    }
    return false;
}

// Whether the current host event's thread is one of `threads` (all are
// when there is no filter).
bool on_threads(const TraceReader& r, const std::set<std::int64_t>* threads) {
    if (!threads || threads->empty()) return true;
    const auto tid = r.packet_int("tid");
    return tid && threads->count(*tid) != 0;
}

std::int64_t vcpu_of(const TraceReader& r, bool guest) {
    if (guest) {
        if (auto c = r.packet_int("cpu_id")) return *c;
    }
    if (auto v = r.field_int("vcpu")) return *v;
    if (auto v = r.field_int("vcpu_id")) return *v;
    return 0;
}

}  // namespace

Result<TraceAnalysis> analyze_traces(const std::string& host_dir, const std::string& guest_dir,
                                     const ClockLine& t, bool pair_delays, std::uint64_t match_window,
                                     const std::set<std::int64_t>* host_threads) {
    auto host = TraceReader::open(host_dir);
    if (!host) return host.error();
    auto guest = TraceReader::open(guest_dir);
    if (!guest) return guest.error();
    TraceAnalysis a;
    PairMatcher matcher(match_window, [&](SyncDirection d, std::int64_t g, std::int64_t h) {
        const long double mapped = t.at(g);
        if (d == SyncDirection::GuestToHost) {
            const long double delay = static_cast<long double>(h) - mapped;
            a.delay_gh.add(delay);
            if (delay < 0) ++a.negative_gh;
        } else {
            const long double delay = mapped - static_cast<long double>(h);
            a.delay_hg.add(delay);
            if (delay < 0) ++a.negative_hg;
        }
    });

    auto h_more = (*host)->next();
    if (!h_more) return h_more.error();
    auto g_more = (*guest)->next();
    if (!g_more) return g_more.error();
    bool host_started = false;
    std::vector<VcpuState> vcpus;
    while (*h_more || *g_more) {
        const bool take_host = *h_more && (!*g_more || (*host)->timestamp_ns() <= t.apply((*guest)->timestamp_ns()));
        TraceReader& r = take_host ? **host : **guest;
        SyncDirection d;
        bool guest_side;
        if (pair_delays && sync_event_kind(r.name(), d, guest_side) && guest_side == !take_host) {
            const auto cnt = r.field_uint("cnt");
            const auto uid = r.field_uint("vm_uid");
            if (cnt && uid) {
                if (take_host) matcher.host_event(d, static_cast<std::uint32_t>(*cnt), *uid, r.timestamp_ns());
                else matcher.guest_event(d, static_cast<std::uint32_t>(*cnt), *uid, r.timestamp_ns());
            }
        }
        if (take_host) {
            host_started = true;
            bool running;
            if (vcpu_transition(r.name(), running) && on_threads(r, host_threads)) {
                const auto v = static_cast<std::size_t>(std::max<std::int64_t>(0, vcpu_of(r, false)));
                if (v < 4096) {
                    if (v >= vcpus.size()) vcpus.resize(v + 1, VcpuState::Unknown);
                    vcpus[v] = running ? VcpuState::Running : VcpuState::Stopped;
                }
            }
            h_more = r.next();
            if (!h_more) return h_more.error();
        } else {
            if (!host_started || !*h_more) {
                ++a.placement.outside_span;
            } else {
                const auto v = static_cast<std::size_t>(std::max<std::int64_t>(0, vcpu_of(r, true)));
                const VcpuState s = v < vcpus.size() ? vcpus[v] : VcpuState::Unknown;
                if (s == VcpuState::Unknown) {
                    ++a.placement.unknown_vcpu;
                } else {
                    ++a.placement.guest_events;
                    if (s == VcpuState::Stopped) ++a.placement.misplaced;
                }
            }
            g_more = r.next();
            if (!g_more) return g_more.error();
        }
    }
    matcher.finish();
    return a;
}

void write_analysis_json(JsonWriter& json, const char* key, const TraceAnalysis& a) {
    json.begin_object(key);
    write_analysis_members(json, a);
    json.end_object();
}

Result<std::set<std::int64_t>> host_threads_of(const std::string& host_dir,
                                               const std::set<std::uint64_t>& vm_uids) {
    auto host = TraceReader::open(host_dir);
    if (!host) return host.error();
    std::set<std::int64_t> threads;
    for (;;) {
        auto more = (*host)->next();
        if (!more) return more.error();
        if (!*more) return threads;
        SyncDirection d;
        bool guest_side = false;
        if (!sync_event_kind((*host)->name(), d, guest_side) || guest_side) continue;
        const auto uid = (*host)->field_uint("vm_uid");
        const auto tid = (*host)->packet_int("tid");
        if (uid && tid && vm_uids.count(*uid)) threads.insert(*tid);
    }
}

Result<std::optional<std::int64_t>> first_vcpu_entry_ns(const std::string& host_dir,
                                                        const std::set<std::int64_t>* host_threads) {
    auto host = TraceReader::open(host_dir);
    if (!host) return host.error();
    for (;;) {
        auto more = (*host)->next();
        if (!more) return more.error();
        if (!*more) return std::optional<std::int64_t>{};
        bool running = false;
        if (vcpu_transition((*host)->name(), running) && running && on_threads(**host, host_threads)) {
            return std::optional<std::int64_t>{(*host)->timestamp_ns()};
        }
    }
}

void write_analysis_members(JsonWriter& json, const TraceAnalysis& a) {
    json.begin_object("placement");
    json.value("guest_events", a.placement.guest_events);
    json.value("misplaced", a.placement.misplaced);
    json.number("misplaced_share", a.placement.share(), 6);
    json.value("outside_host_span", a.placement.outside_span);
    json.value("unknown_vcpu_state", a.placement.unknown_vcpu);
    json.end_object();
    json.begin_object("pair_delays");
    a.delay_gh.write_json(json, "guest_to_host");
    a.delay_hg.write_json(json, "host_to_guest");
    json.value("negative_guest_to_host", a.negative_gh);
    json.value("negative_host_to_guest", a.negative_hg);
    json.end_object();
}

}  // namespace vpmu::trace
