// Host tracepoints for the VMM. Disabled, each is one relaxed load and a
// predictable branch; enabled, it packs its fields, reads CLOCK_MONOTONIC
// and appends to the calling thread's own stream (no lock, no syscall
// except when a packet is full or 100 ms old).
//
//   auto trace = trace::HostTrace::start(dir);      // once, before vCPU threads
//   trace::bind_thread(vcpu_index);                 // in each vCPU thread (optional)
//   trace::tp::vcpu_exit(vcpu, KVM_EXIT_IO, port);  // anywhere
//   ... join the vCPU threads ...
//   trace->stop();                                  // flushes every stream
//
// Timestamps are CLOCK_MONOTONIC ns: steady across NTP steps, the clock
// LTTng's and ftrace's `mono` trace clock use, so host kernel events
// recorded with that clock merge with these on one time base. The trace's
// clock origin is CLOCK_REALTIME at start, as LTTng does, so readers show
// wall-clock dates.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "trace/events.h"
#include "trace/writer.h"
#include "vpmu/result.h"

namespace vpmu::trace {

namespace detail {
extern std::atomic<bool> g_enabled;
// Out of line: the enabled path. `payload` holds the event's fields packed
// in TSDL order.
void emit(std::uint16_t id, const void* payload, std::size_t size);

template <class... T>
inline void emit_packed(std::uint16_t id, T... fields) {
    unsigned char buf[(sizeof(T) + ...)];
    std::size_t off = 0;
    ((std::memcpy(buf + off, &fields, sizeof fields), off += sizeof fields), ...);
    emit(id, buf, sizeof buf);
}
}  // namespace detail

inline bool enabled() { return detail::g_enabled.load(std::memory_order_relaxed); }

std::uint64_t monotonic_ns();

// The active host trace: at most one per process.
class HostTrace {
public:
    static Result<std::unique_ptr<HostTrace>> start(const std::string& dir,
                                                    HostSchemaOptions schema = {},
                                                    WriterOptions writer = {});
    ~HostTrace();
    HostTrace(const HostTrace&) = delete;
    HostTrace& operator=(const HostTrace&) = delete;

    // Disables the tracepoints and flushes every thread's stream. Call once
    // the producing threads have stopped emitting (joined, or parked);
    // threads that exit earlier flush their own stream at exit.
    Result<void> stop();
    // Flushes the calling thread's open packet (e.g. before a risky step).
    static void flush_this_thread();

    StreamStats stats() const { return writer_->totals(); }
    const TraceWriter& writer() const { return *writer_; }

private:
    explicit HostTrace(std::unique_ptr<TraceWriter> writer) : writer_(std::move(writer)) {}
    friend struct ThreadStream;
    std::unique_ptr<TraceWriter> writer_;
    bool stopped_ = false;
};

// Labels the calling thread's stream with its vCPU index (packet context
// `vcpu`); call before its first event. Threads never bound show -1.
void bind_thread(int vcpu);

// The tracepoints. Field meanings: events.h.
namespace tp {
inline void vcpu_entry(std::uint32_t vcpu) {
    if (enabled()) [[unlikely]] detail::emit_packed(host_event::kVcpuEntry, vcpu);
}
// `reason`: KVM_EXIT_* (10 = INTR for a KVM_RUN cut short by a signal);
// `info`: port, MSR index or RIP, whichever the reason makes useful.
inline void vcpu_exit(std::uint32_t vcpu, std::uint32_t reason, std::uint64_t info) {
    if (enabled()) [[unlikely]] detail::emit_packed(host_event::kVcpuExit, vcpu, reason, info);
}
inline void msr_access(std::uint32_t vcpu, std::uint32_t msr, std::uint64_t value, bool write, bool gp) {
    if (enabled()) [[unlikely]] {
        detail::emit_packed(host_event::kMsrAccess, vcpu, msr, value, std::uint8_t{write},
                            std::uint8_t{gp});
    }
}
inline void pmc_bind(std::uint32_t vcpu, std::uint32_t counter, std::int32_t slot, std::uint64_t period) {
    if (enabled()) [[unlikely]] detail::emit_packed(host_event::kPmcBind, vcpu, counter, slot, period);
}
inline void pmc_recall(std::uint32_t vcpu, std::uint32_t counter, std::int32_t slot, std::uint64_t count) {
    if (enabled()) [[unlikely]] detail::emit_packed(host_event::kPmcRecall, vcpu, counter, slot, count);
}
inline void pmc_rotate(std::uint32_t slots, std::uint32_t waiting, std::uint32_t moved) {
    if (enabled()) [[unlikely]] detail::emit_packed(host_event::kPmcRotate, slots, waiting, moved);
}
inline void counter_overflow(std::uint32_t vcpu, std::uint32_t counter, std::uint64_t global_status) {
    if (enabled()) [[unlikely]] {
        detail::emit_packed(host_event::kCounterOverflow, vcpu, counter, global_status);
    }
}
// `nmi`: delivered as NMI (LVTPC delivery mode 100b) or as a fixed vector.
inline void pmi_inject(std::uint32_t vcpu, bool nmi, std::uint8_t vector, std::uint64_t global_status) {
    if (enabled()) [[unlikely]] {
        detail::emit_packed(host_event::kPmiInject, vcpu, static_cast<std::uint8_t>(nmi ? 0 : 1), vector,
                            global_status);
    }
}
// The sync exchange (Gebai 2014, ch. 3): on the guest's sync hypercall
// exit, vmsync_gh_host(k); just before re-entering, vmsync_hg_host(k + 1).
inline void vmsync_gh_host(std::uint32_t cnt, std::uint64_t vm_uid) {
    if (enabled()) [[unlikely]] detail::emit_packed(host_event::kVmsyncGhHost, cnt, vm_uid);
}
inline void vmsync_hg_host(std::uint32_t cnt, std::uint64_t vm_uid) {
    if (enabled()) [[unlikely]] detail::emit_packed(host_event::kVmsyncHgHost, cnt, vm_uid);
}
}  // namespace tp

}  // namespace vpmu::trace
