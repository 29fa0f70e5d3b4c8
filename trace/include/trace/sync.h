// Synchronizing a guest trace to its host trace: stream both traces, match
// the vmsync events (guest→host: vmsync_gh_guest cause, vmsync_gh_host
// effect; host→guest: vmsync_hg_host cause, vmsync_hg_guest effect; keyed
// by `cnt` and `vm_uid`), feed the pairs to the convex hulls (hull.h).
//
// Both traces are read at once, the one whose sync counter lags advancing,
// so unmatched events wait in a window of `match_window` counter values and
// memory stays bounded however long the traces are. Events whose partner
// never comes (trace started or ended earlier on one side, lost events) and
// host events of other VMs are counted, not paired.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "trace/hull.h"
#include "trace/reader.h"
#include "vpmu/result.h"

namespace vpmu::trace {

enum class SyncDirection { GuestToHost, HostToGuest };

struct MatchStats {
    std::uint64_t pairs_gh = 0;
    std::uint64_t pairs_hg = 0;
    std::uint64_t unmatched_guest = 0;  // guest sync events with no host partner
    std::uint64_t unmatched_host = 0;   // host sync events of this VM with no guest partner
    std::uint64_t other_vm_host = 0;    // host sync events of VMs absent from the guest trace
    std::uint64_t duplicates = 0;       // a key seen twice on one side (the later wins)
    std::uint64_t malformed = 0;        // sync events without integer cnt / vm_uid
    std::set<std::uint64_t> vm_uids;    // of the guest trace
};

// Pairs cause and effect events; `on_pair(direction, guest_ns, host_ns)`.
class PairMatcher {
public:
    using OnPair = std::function<void(SyncDirection, std::int64_t guest_ns, std::int64_t host_ns)>;
    PairMatcher(std::uint64_t window, OnPair on_pair) : window_(window), on_pair_(std::move(on_pair)) {}

    void guest_event(SyncDirection d, std::uint32_t cnt, std::uint64_t vm_uid, std::int64_t ns);
    void host_event(SyncDirection d, std::uint32_t cnt, std::uint64_t vm_uid, std::int64_t ns);
    void finish();  // what is still waiting is unmatched

    const MatchStats& stats() const { return stats_; }
    std::uint64_t guest_progress() const { return guest_progress_; }
    std::uint64_t host_progress() const { return host_progress_; }
    std::size_t waiting() const;

private:
    struct Key {
        std::uint32_t cnt;
        std::uint64_t vm_uid;
        bool operator<(const Key& o) const { return cnt != o.cnt ? cnt < o.cnt : vm_uid < o.vm_uid; }
    };
    using Pending = std::map<Key, std::int64_t>;
    void match(Pending& mine, Pending& theirs, SyncDirection d, Key k, std::int64_t ns, bool from_guest);
    void evict();
    void drop(Pending& p, Pending::iterator it, bool from_guest);

    std::uint64_t window_;
    OnPair on_pair_;
    Pending guest_[2], host_[2];  // indexed by direction
    std::uint64_t guest_progress_ = 0, host_progress_ = 0;
    MatchStats stats_;
};

// The kind of a sync event by name; false when not a vmsync event.
bool sync_event_kind(std::string_view name, SyncDirection& direction, bool& is_guest_side);

struct SyncOptions {
    std::uint64_t match_window = 4096;  // counter values an unmatched event may wait
};

struct TraceSummary {
    std::string dir;
    std::string clock_uuid;   // empty when the clock has none
    std::string hostname;
    std::uint64_t events = 0;
    std::uint64_t sync_events = 0;
    std::uint64_t discarded_events = 0;
};

struct SyncReport {
    HullSyncResult hull;
    MatchStats match;
    TraceSummary host, guest;
    std::vector<std::string> warnings;
};

// Fails (with a message naming the trace) on unreadable traces and on
// mismatched inputs: the host trace holding guest-side sync events or the
// reverse (--host and --guest swapped), or one directory given twice.
Result<SyncReport> synchronize(const std::string& host_dir, const std::string& guest_dir,
                               const SyncOptions& options = {});

// The summary JSON (DESIGN.md contract: slope, offset_ns, drift_ppm,
// quality, pairs per direction, bounds). `extra` (JSON members, already
// rendered by a JsonWriter) adds the analyses.
void write_sync_json(class JsonWriter& json, const SyncReport& report);

}  // namespace vpmu::trace
