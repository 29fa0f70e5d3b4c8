// The event classes of this project's traces. Host events come from the
// VMM's tracepoints (tracepoints.h); guest events from the guest tracer,
// written on the host with the guest's clock. The four vmsync_* events and
// their fields `cnt` (uint32) and `vm_uid` (uint64) are a contract: they are
// the names and types LTTng's vm-sync addon emits and Trace Compass matches.
#pragma once

#include <cstdint>
#include <string>

#include "trace/schema.h"

namespace vpmu::trace {

inline constexpr char kVmsyncGhGuest[] = "vmsync_gh_guest";  // guest→host cause (guest)
inline constexpr char kVmsyncGhHost[] = "vmsync_gh_host";    // guest→host effect (host)
inline constexpr char kVmsyncHgHost[] = "vmsync_hg_host";    // host→guest cause (host)
inline constexpr char kVmsyncHgGuest[] = "vmsync_hg_guest";  // host→guest effect (guest)

// Host stream class 0: one stream per producer thread; packet context
// `tid` (Linux thread id) and `vcpu` (-1 for threads that are no vCPU).
namespace host_event {
inline constexpr std::uint16_t kVcpuEntry = 0;       // vcpu
inline constexpr std::uint16_t kVcpuExit = 1;        // vcpu, reason (KVM_EXIT_*), info
inline constexpr std::uint16_t kMsrAccess = 2;       // vcpu, msr, value, write, gp
inline constexpr std::uint16_t kPmcBind = 3;         // vcpu, counter, slot, period
inline constexpr std::uint16_t kPmcRecall = 4;       // vcpu, counter, slot, count
inline constexpr std::uint16_t kPmcRotate = 5;       // slots, waiting, moved
inline constexpr std::uint16_t kCounterOverflow = 6; // vcpu, counter, global_status
inline constexpr std::uint16_t kPmiInject = 7;       // vcpu, delivery, vector, global_status
inline constexpr std::uint16_t kVmsyncGhHost = 8;    // cnt, vm_uid
inline constexpr std::uint16_t kVmsyncHgHost = 9;    // cnt, vm_uid
}  // namespace host_event

// Guest stream class 0: one stream per guest vCPU; packet context `cpu_id`
// (the guest vCPU, which Trace Compass shows as the CPU).
namespace guest_event {
inline constexpr std::uint16_t kVmsyncGhGuest = 0;  // cnt, vm_uid
inline constexpr std::uint16_t kVmsyncHgGuest = 1;  // cnt, vm_uid
inline constexpr std::uint16_t kPmi = 2;            // vcpu, ip, status
inline constexpr std::uint16_t kSample = 3;         // vcpu, ip, counter
inline constexpr std::uint16_t kMark = 4;           // id, value: free-form guest markers
}  // namespace guest_event

// Counters are numbered as in IA32_PERF_GLOBAL_CTRL: general-purpose
// counter i is i, fixed counter i is 32 + i.
inline constexpr std::uint32_t kFixedCounterBase = 32;

StreamClass host_stream_class();
StreamClass guest_stream_class();

struct HostSchemaOptions {
    std::string hostname;          // default: gethostname()
    std::string trace_name = "vpmu-host";
    Uuid clock_uuid{};             // default (all zero): the host boot id
    bool realtime_origin = true;   // clock offset = CLOCK_REALTIME − CLOCK_MONOTONIC, as LTTng
};
// The host trace: clock `monotonic` (CLOCK_MONOTONIC, ns).
TraceSchema host_schema(const HostSchemaOptions& options = {});

struct GuestSchemaOptions {
    std::uint64_t vm_uid = 0;
    std::string hostname;          // default: "vpmu-guest-<vm_uid in hex>"
    std::string trace_name = "vpmu-guest";
    std::int64_t clock_offset_ns = 0;  // origin of the guest clock, if the guest knows one
};
// A guest trace: clock `guest` (the guest's own ns clock, from its TSC and
// its own calibration) with a UUID derived from vm_uid.
TraceSchema guest_schema(const GuestSchemaOptions& options);

}  // namespace vpmu::trace
