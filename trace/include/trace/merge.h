// The merged trace: host and guest events in one CTF trace on the host's
// clock (same clock class name, UUID and origin as the host trace), guest
// timestamps mapped through the synchronizer's transform. Each source stream
// becomes one output stream; its packet context keeps the source's integer
// fields (cpu_id, tid, vcpu, ...) and adds `domain` (an enumeration: host,
// guest). Event payloads are kept (integers, enumerations, reals, strings,
// structures, arrays; dynamic arrays get a leading `<name>__n` count;
// variants and options become the string "?", counted).
#pragma once

#include <cstdint>
#include <string>

#include "trace/hull.h"
#include "vpmu/result.h"

namespace vpmu::trace {

struct MergeStats {
    std::uint64_t host_events = 0;
    std::uint64_t guest_events = 0;
    std::uint64_t clamped = 0;               // mapped before the host clock's origin
    std::uint64_t unsupported_fields = 0;    // variants/options written as "?"
};

Result<MergeStats> merge_traces(const std::string& host_dir, const std::string& guest_dir,
                                const std::string& out_dir, const ClockLine& guest_to_host);

}  // namespace vpmu::trace
