// The checks of Gebai 2014 (ch. 5) on a host/guest trace pair under a given
// guest→host transform:
//  - Table 5.2: the share of guest events that fall where the host trace
//    says their vCPU was not running (between a vCPU exit and the next
//    entry: vpmu_vcpu_exit/entry, or LTTng's kvm_exit/kvm_entry), counted
//    over guest events inside the host trace's span;
//  - Table 5.1: the distribution of the one-way delays of the matched sync
//    pairs after the transform (host receive − guest send for guest→host,
//    guest receive − host send for host→guest), which a correct
//    synchronization keeps non-negative.
// `pair_delays` only under a transform that brings the pairs close in time
// (pending events would pile up otherwise). One streaming pass over both traces merged in host time; memory bounded
// (percentiles from a log-bucket histogram, 1% relative resolution).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "trace/hull.h"
#include "vpmu/result.h"

namespace vpmu::trace {

class JsonWriter;

class Distribution {
public:
    void add(long double v);
    std::uint64_t count() const { return n_; }
    long double mean() const { return mean_; }
    long double stddev() const;
    long double min() const { return min_; }
    long double max() const { return max_; }
    long double percentile(double p) const;  // 0..100, within 1%
    void write_json(JsonWriter& json, const char* key) const;

private:
    static int bucket(long double v);
    static long double bucket_value(int b);
    std::uint64_t n_ = 0;
    long double mean_ = 0, m2_ = 0, min_ = 0, max_ = 0;
    std::map<int, std::uint64_t> histogram_;
};

struct PlacementStats {
    std::uint64_t guest_events = 0;     // inside the host trace's span with a known vCPU state
    std::uint64_t misplaced = 0;        // ... at a time the host says the vCPU was not running
    std::uint64_t outside_span = 0;     // before the first or after the last host event
    std::uint64_t unknown_vcpu = 0;     // vCPU never seen entering in the host trace yet
    double share() const { return guest_events ? double(misplaced) / double(guest_events) : 0.0; }
};

struct TraceAnalysis {
    PlacementStats placement;
    Distribution delay_gh;  // ns
    Distribution delay_hg;  // ns
    std::uint64_t negative_gh = 0, negative_hg = 0;  // causality violations
};

// `host_threads`: when given and not empty, only vCPU entries/exits of
// these host threads (packet context `tid`) count: the VM's own vCPU
// threads when one host trace holds several VMs (host_threads_of).
Result<TraceAnalysis> analyze_traces(const std::string& host_dir, const std::string& guest_dir,
                                     const ClockLine& guest_to_host, bool pair_delays = true,
                                     std::uint64_t match_window = 4096,
                                     const std::set<std::int64_t>* host_threads = nullptr);

// The host threads (packet context `tid`) that emitted host sync events of
// these VMs: in vpmu's host traces, the vCPU threads of those VMs. Empty
// when the trace's streams carry no `tid`.
Result<std::set<std::int64_t>> host_threads_of(const std::string& host_dir, const std::set<std::uint64_t>& vm_uids);

void write_analysis_json(JsonWriter& json, const char* key, const TraceAnalysis& a);
// The same members, into an object the caller opened.
void write_analysis_members(JsonWriter& json, const TraceAnalysis& a);

// The host time (ns from the host clock's origin) of the first vCPU entry
// in the host trace (vpmu_vcpu_entry, or LTTng's kvm_entry), or nullopt.
// A guest whose clock counts from its boot (as vpmu's guests do) has no
// raw-clock "before" to compare: the naive alignment is its zero at the
// VM's first entry, and `vpmu sync` reports placement under that too. With
// several VMs in one host trace, pass the VM's threads (host_threads_of).
Result<std::optional<std::int64_t>> first_vcpu_entry_ns(const std::string& host_dir,
                                                        const std::set<std::int64_t>* host_threads = nullptr);

}  // namespace vpmu::trace
