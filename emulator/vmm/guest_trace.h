// The host side of the guest tracer (guests/runtime/include/rt/trace.h):
// the trace hypercalls, the sync exchange's host events, and the guest's
// buffers written as the guest's CTF trace (`vpmu run --trace DIR` →
// DIR/guest, clock `guest`, clock UUID derived from vm_uid).
//
// Hypercalls (0x20-0x2f belong to tracing; guest ABI, see hypercall.h):
//   0x20 trace_info   ARG0 = 0: vm_uid bits 31:0, 1: bits 63:32,
//                     2: flags (bit 0: the VMM records a guest trace)
//   0x21 trace_sync   ARG0 = cnt k: the VMM emits vmsync_gh_host(k, vm_uid)
//                     now and vmsync_hg_host(k + 1, vm_uid) just before it
//                     next enters this vCPU; returns k + 1
//   0x22 trace_flush  ARG0 = guest-physical address of a trace buffer,
//                     ARG1 = its size in bytes; returns the records taken
//                     (kTraceFlushRejected for a malformed buffer)
//
// vm_uid (the sync events' `vm_uid`, Trace Compass's key between a host
// and its guests): (a random number drawn once per `vpmu run`) << 16 | the
// VM's index, below 2^53 so JSON numbers carry it exactly. Different for
// every VM of every run, so guest clock UUIDs are too.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "boot/guest_memory.h"
#include "devices/hypercall.h"
#include "vpmu/result.h"

namespace vpmu::trace {
class TraceWriter;
class StreamWriter;
}  // namespace vpmu::trace

namespace vpmu::vmm {

namespace hypercall_trace {
inline constexpr std::uint32_t kInfo = 0x20;
inline constexpr std::uint32_t kSync = 0x21;
inline constexpr std::uint32_t kFlush = 0x22;
inline constexpr std::uint32_t kInfoRecording = 1;
inline constexpr std::uint32_t kFlushRejected = 0xfffffffe;
}  // namespace hypercall_trace

// The guest buffer layout (rt/trace.h; both sides static_assert it).
namespace guest_abi {
struct Record {
    std::uint64_t tsc;
    std::uint16_t id;
    std::uint16_t cpu;
    std::uint32_t a;
    std::uint64_t b;
    std::uint64_t c;
};
static_assert(sizeof(Record) == 32);

struct BufferHeader {
    std::uint32_t magic;
    std::uint16_t version;
    std::uint16_t record_size;
    std::uint32_t capacity;
    std::uint32_t count;  // reservations: beyond capacity, lost events
    std::uint64_t tsc_hz;
    std::uint64_t tsc_origin;
    std::uint64_t tsc_mult;  // guest ns = (tsc - tsc_origin) * tsc_mult >> 32
    std::uint64_t sequence;
    std::uint32_t cpu;
    std::uint32_t clock_source;  // 1 apic, 2 vmm
    std::uint64_t reserved;
};
static_assert(sizeof(BufferHeader) == 64);

inline constexpr std::uint32_t kMagic = 0x52545056;  // "VPTR"
inline constexpr std::uint16_t kVersion = 1;
inline constexpr std::uint32_t kMaxRecords = 1u << 24;  // 512 MiB: anything larger is a wild pointer
}  // namespace guest_abi

// One guest event, its timestamp converted to guest ns.
struct GuestEvent {
    std::uint64_t ns;
    std::uint16_t id;
    std::uint16_t cpu;
    std::uint32_t a;
    std::uint64_t b;
    std::uint64_t c;
};

struct GuestBatch {
    guest_abi::BufferHeader header;
    std::vector<GuestEvent> events;  // sorted by time (handlers may have written out of order)
    std::uint64_t lost = 0;          // reservations beyond capacity
    std::uint64_t before_origin = 0; // TSC below the clock's origin (stamped 0)
};

// Checks a buffer as handed over and returns its header, with `count`
// clamped to the capacity; an error names what is wrong.
Result<guest_abi::BufferHeader> check_guest_buffer(std::span<const std::uint8_t> bytes);
// The same, and its records in time order, converted with the guest's
// own multiplier.
Result<GuestBatch> decode_guest_buffer(std::span<const std::uint8_t> bytes);

// A fresh vm_uid for VM `index` of this process (see above).
std::uint64_t make_vm_uid(unsigned index);

struct GuestTraceStats {
    std::string dir;               // empty: not recording
    std::uint64_t syncs = 0;
    std::uint64_t flushes = 0;
    std::uint64_t events = 0;      // written to the guest trace
    std::uint64_t lost = 0;        // the guest reported them lost
    std::uint64_t rejected = 0;    // flushes of malformed buffers
    std::uint64_t unknown_events = 0;
    std::uint64_t clamped = 0;     // written at an earlier event's time (went back in time)
    std::string last_error;
};

// Per VM. The hypercall handlers run on the calling vCPU's thread with the
// hypercall device's lock held; before_entry(v) runs on vCPU v's thread.
class GuestTracer {
public:
    // `dir` empty: answer the hypercalls, emit the host sync events, drop
    // the guest's buffers.
    GuestTracer(std::uint64_t vm_uid, unsigned vcpus, std::string dir);
    ~GuestTracer();
    GuestTracer(const GuestTracer&) = delete;
    GuestTracer& operator=(const GuestTracer&) = delete;

    // Adds trace_info, trace_sync and trace_flush to the VM's device.
    Result<void> attach(dev::HypercallDevice& hypercalls, GuestMemory& memory);

    // Just before KVM_RUN on `vcpu`: vmsync_hg_host for a sync it made.
    void before_entry(unsigned vcpu) {
        if (pending_hg_[vcpu % pending_hg_.size()] >= 0) [[unlikely]] emit_hg(vcpu);
    }

    // Writes what is buffered; call once the vCPUs stopped.
    Result<void> close();

    std::uint64_t vm_uid() const { return vm_uid_; }
    bool recording() const { return !dir_.empty(); }
    GuestTraceStats stats() const;

    // The handlers, public for tests (no KVM needed).
    std::uint32_t info(std::uint32_t what) const;
    std::uint32_t sync(unsigned vcpu, std::uint32_t cnt);
    std::uint32_t flush(std::span<const std::uint8_t> buffer);

private:
    void emit_hg(unsigned vcpu);
    Result<void> write(const GuestBatch& batch);
    Result<trace::StreamWriter*> stream_for(std::uint16_t cpu);

    std::uint64_t vm_uid_;
    std::string dir_;
    std::vector<std::int64_t> pending_hg_;  // per vCPU: cnt of the due vmsync_hg_host, or -1
    mutable std::mutex mutex_;
    std::unique_ptr<trace::TraceWriter> writer_;  // created at the first flush
    std::vector<trace::StreamWriter*> streams_;   // per guest CPU
    bool closed_ = false;                         // late flushes are dropped
    GuestTraceStats stats_;
};

}  // namespace vpmu::vmm
