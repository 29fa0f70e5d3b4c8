// The guest tracer (rt/trace.h). Kernel paths here are emulated one
// instruction at a time on the PVM host (~0.5 µs each), so they stay short:
// the sync exchange is two OUTs between two RDTSCs, a flush is four port
// accesses; records are filled where the event happens, often in a task.
#include "rt/trace.h"

#include "internal.h"
#include "rt/rt.h"

namespace rt::trace {
namespace {

constexpr uint16_t kArgPort = kHypercallPort + 4;

BufferHeader* buffers[2];
BufferHeader* active;  // read with __atomic loads: handlers may emit
bool on;
bool recording;
uint64_t uid;
uint32_t next_cnt;
uint64_t last_exchange;
Stats totals;

Record* records_of(BufferHeader* h) { return reinterpret_cast<Record*>(h + 1); }

BufferHeader* current() { return __atomic_load_n(&active, __ATOMIC_RELAXED); }

// XADD without LOCK: one instruction, so atomic against interrupts on this
// CPU, which is all the concurrency a one-CPU guest has.
uint32_t fetch_add(uint32_t* p, uint32_t v) {
    __asm__ volatile("xaddl %0, %1" : "+r"(v), "+m"(*p) : : "memory");
    return v;
}

// A record in the active buffer, or null when it is full. Tasks flush a
// full buffer first (they cannot be interrupting a writer); kernel code
// may be a handler, so it drops the event instead (counted at the flush).
Record* reserve() {
    BufferHeader* h = current();
    if (h->count >= h->capacity && cpl() == 3) {
        flush();
        h = current();
    }
    const uint32_t i = fetch_add(&h->count, 1);
    return i < h->capacity ? records_of(h) + i : nullptr;
}

void emit(uint16_t id, uint32_t a, uint64_t b, uint64_t c) {
    Record* r = reserve();
    if (r == nullptr) return;
    r->tsc = rdtsc();
    r->id = id;
    r->cpu = 0;
    r->a = a;
    r->b = b;
    r->c = c;
}

void put(Record* r, uint64_t tsc, uint16_t id, uint32_t a, uint64_t b) {
    if (r == nullptr) return;
    r->tsc = tsc;
    r->id = id;
    r->cpu = 0;
    r->a = a;
    r->b = b;
    r->c = 0;
}

// CPL0: swap buffers, hand the full one over, make it the spare.
uint64_t flush_kernel(uint64_t) {
    BufferHeader* full = current();
    __atomic_store_n(&active, full == buffers[0] ? buffers[1] : buffers[0], __ATOMIC_RELAXED);
    barrier();
    const uint32_t reserved = full->count;
    const uint32_t kept = reserved < full->capacity ? reserved : full->capacity;
    if (kept != 0) {
        full->sequence = totals.flushes;
        const uint32_t bytes = uint32_t(sizeof(BufferHeader) + uint64_t(full->capacity) * sizeof(Record));
        outl(kArgPort, uint32_t(uintptr_t(full)));
        outl(kArgPort + 4, bytes);
        outl(kHypercallPort, kHypercallTraceFlush);
        const uint32_t taken = inl(kHypercallPort);
        if (taken != kept) ++totals.refused;
        ++totals.flushes;
    }
    totals.events += kept;
    totals.lost += reserved - kept;
    full->count = 0;
    return 0;
}

// CPL0: one exchange. The VMM takes cnt from ARG0 before the OUT to CMD
// exits, so vmsync_gh_guest's timestamp is read between the two OUTs.
uint64_t sync_kernel(uint64_t) {
    // Room for both records first: a flush between the two RDTSCs would
    // only widen the exchange, and kernel code does not flush implicitly.
    BufferHeader* h = current();
    if (h->count + 2 > h->capacity) flush_kernel(0);
    const uint32_t k = next_cnt;
    next_cnt += 2;
    outl(kArgPort, k);
    const uint64_t sent = rdtsc();
    outl(kHypercallPort, kHypercallTraceSync);
    const uint64_t received = rdtsc();
    last_exchange = received - sent;
    put(reserve(), sent, kEventSyncGh, k, uid);
    put(reserve(), received, kEventSyncHg, k + 1, uid);
    ++totals.syncs;
    h = current();
    if (h->count >= h->capacity / 2) flush_kernel(0);
    return 0;
}

BufferHeader* make_buffer(uint32_t records) {
    const size_t bytes = sizeof(BufferHeader) + size_t(records) * sizeof(Record);
    auto* h = static_cast<BufferHeader*>(alloc(bytes, 4096));
    const ClockCalibration& clock = clock_calibration();
    *h = BufferHeader{};
    h->magic = kBufferMagic;
    h->version = kBufferVersion;
    h->record_size = sizeof(Record);
    h->capacity = records;
    h->tsc_hz = clock.tsc_hz;
    h->tsc_origin = clock.tsc_origin;
    h->tsc_mult = clock.mult;
    h->clock_source = uint32_t(clock.source);
    return h;
}

}  // namespace

bool init(const Options& options) {
    if (on) return true;
    if (cpl() != 0 || options.records < 4) return false;  // a sync exchange needs room for two
    if (!under_vpmu()) return false;
    const uint32_t flags = hypercall(kHypercallTraceInfo, 2);
    if (flags == 0xffffffffu) return false;  // a VMM without the trace commands
    if (!clock_init(options.clock, options.calibrate_ms)) return false;
    uid = hypercall(kHypercallTraceInfo, 0) | uint64_t(hypercall(kHypercallTraceInfo, 1)) << 32;
    recording = (flags & kTraceInfoRecording) != 0;
    // Buffers beyond 4 GiB could not be named in a 32-bit argument; the
    // runtime's RAM ends below 3 GiB.
    buffers[0] = make_buffer(options.records);
    buffers[1] = make_buffer(options.records);
    active = buffers[0];
    on = true;
    return true;
}

bool enabled() { return on; }
bool host_recording() { return recording; }
uint64_t vm_uid() { return uid; }

void mark(uint32_t id, uint64_t value) {
    if (on) emit(kEventMark, id, value, 0);
}
void pmi(uint64_t ip, uint64_t status) {
    if (on) emit(kEventPmi, 0, ip, status);
}
void sample(uint64_t ip, uint32_t counter) {
    if (on) emit(kEventSample, 0, ip, counter);
}

void sync() {
    if (on) kcall(sync_kernel, 0);
}

void flush() {
    if (on) kcall(flush_kernel, 0);
}

Stats stats() { return totals; }
uint64_t last_exchange_ticks() { return last_exchange; }

}  // namespace rt::trace

namespace rt {
void trace_at_exit() {
    if (trace::enabled()) trace::flush();
}
}  // namespace rt
