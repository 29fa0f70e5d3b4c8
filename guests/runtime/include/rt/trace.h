// The guest tracer: events stamped with the guest's own clock (rt/clock.h),
// kept in guest memory and handed to the VMM, which writes them as the
// guest's CTF trace (`vpmu run --trace DIR` → DIR/guest; without --trace
// the VMM drops them).
//
// Events go into the active one of two buffers in guest memory. A writer
// reserves a record with one XADD (atomic against interrupts and NMIs on
// this CPU, so handlers may emit too), then fills it in; user tasks write
// it themselves, natively, no system call. When a buffer is more than half
// full, sync() and flush() swap buffers and hand the full one to the VMM
// (the trace_flush hypercall: its guest-physical address and size); a task
// whose event finds the buffer full flushes through a system call; kernel
// code never flushes implicitly (it may be a handler that interrupted a
// writer) and counts the event lost instead. rt::exit flushes what is left.
//
// Timestamps are raw TSC values in guest memory; the buffer header carries
// the guest's clock (origin, frequency, and the multiplier clock_ns uses),
// and the VMM converts with exactly that arithmetic, as LTTng writes cycle
// counts and declares the clock's frequency.
//
// The sync exchange (Gebai 2014, 3.3; names and fields as LTTng's vm-sync
// addon, which Trace Compass matches): sync() records vmsync_gh_guest(k),
// does the trace_sync hypercall with k (the VMM records vmsync_gh_host(k) on
// that exit and vmsync_hg_host(k + 1) just before re-entering), and records
// vmsync_hg_guest(k + 1) once the OUT returns; the next exchange uses k + 2.
// The exchange needs no result, so it does not read one: the re-entry after
// the OUT is the one vmsync_hg_host precedes, which keeps both one-way
// delays to one exit each.
//
// One CPU: the runtime runs on the boot vCPU only (records carry cpu 0).
#pragma once

#include <stdint.h>

#include "rt/clock.h"

namespace rt::trace {

// Hypercall commands (emulator/vmm/guest_trace.h; 0x20-0x2f belong to tracing).
inline constexpr uint32_t kHypercallTraceInfo = 0x20;   // ARG0 = 0: vm_uid[31:0], 1: vm_uid[63:32], 2: flags
inline constexpr uint32_t kHypercallTraceSync = 0x21;   // ARG0 = cnt; returns cnt + 1
inline constexpr uint32_t kHypercallTraceFlush = 0x22;  // ARG0 = buffer GPA, ARG1 = its size; returns records taken
inline constexpr uint32_t kTraceInfoRecording = 1;      // flags: the VMM writes a guest trace

// Event ids: the guest stream class of the host's trace/events.h.
inline constexpr uint16_t kEventSyncGh = 0;  // a = cnt, b = vm_uid
inline constexpr uint16_t kEventSyncHg = 1;  // a = cnt, b = vm_uid
inline constexpr uint16_t kEventPmi = 2;     // a = vcpu, b = ip, c = GLOBAL_STATUS
inline constexpr uint16_t kEventSample = 3;  // a = vcpu, b = ip, c = counter
inline constexpr uint16_t kEventMark = 4;    // a = id, b = value

// The buffer layout the VMM reads (ABI: emulator/vmm/guest_trace.h).
struct Record {
    uint64_t tsc;
    uint16_t id;
    uint16_t cpu;
    uint32_t a;
    uint64_t b;
    uint64_t c;
};
static_assert(sizeof(Record) == 32);

inline constexpr uint32_t kBufferMagic = 0x52545056;  // "VPTR"
inline constexpr uint16_t kBufferVersion = 1;

struct BufferHeader {
    uint32_t magic;
    uint16_t version;
    uint16_t record_size;
    uint32_t capacity;     // records after the header
    uint32_t count;        // reservations: records written, plus lost ones beyond capacity
    uint64_t tsc_hz;       // the guest clock (rt/clock.h)
    uint64_t tsc_origin;
    uint64_t tsc_mult;     // ns = (tsc - tsc_origin) * tsc_mult >> 32
    uint64_t sequence;     // flushes before this one: the VMM sees gaps and reordering
    uint32_t cpu;
    uint32_t clock_source;  // rt::ClockSource
    uint64_t reserved;
};
static_assert(sizeof(BufferHeader) == 64);

struct Options {
    uint32_t records = 16384;  // per buffer (two buffers: 2 * 32 bytes each)
    ClockSource clock = ClockSource::apic;
    uint32_t calibrate_ms = 50;
};

// CPL0, once. Calibrates the clock, asks the VMM for this VM's vm_uid and
// allocates the buffers. False (and tracing stays off: events are dropped
// for one load and a branch) when not under vpmu's VMM or the clock cannot
// be calibrated.
bool init(const Options& options = {});
bool enabled();
bool host_recording();  // the VMM writes what we hand over (vpmu run --trace)
uint64_t vm_uid();

// Events, from any context (kernel, handlers, user tasks).
void mark(uint32_t id, uint64_t value);
void pmi(uint64_t ip, uint64_t status);
void sample(uint64_t ip, uint32_t counter);

// One sync exchange; kernel or task (through a system call).
void sync();
// Hands the active buffer to the VMM; kernel or task. Not from handlers.
void flush();
// TSC ticks between the two RDTSCs of the last exchange: one exit's round
// trip as the guest sees it (the VMM's handling, the tracepoints, KVM and
// the emulated OUT), for benchmarks.
uint64_t last_exchange_ticks();

struct Stats {
    uint64_t events = 0;   // recorded and handed over (or still in a buffer)
    uint64_t lost = 0;     // dropped: buffer full where no flush was possible
    uint64_t flushes = 0;
    uint64_t syncs = 0;
    uint64_t refused = 0;  // flushes the VMM did not take whole
};
Stats stats();

}  // namespace rt::trace
