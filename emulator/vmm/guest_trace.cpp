#include "vmm/guest_trace.h"

#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "trace/events.h"
#include "trace/tracepoints.h"
#include "trace/writer.h"

namespace vpmu::vmm {

namespace {

__extension__ typedef unsigned __int128 u128;

std::string hex(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

std::uint64_t random_bits() {
    std::uint64_t r = 0;
    if (::getrandom(&r, sizeof r, 0) != static_cast<ssize_t>(sizeof r)) {
        // No entropy source: time and pid still differ between runs.
        r = trace::monotonic_ns() ^ (static_cast<std::uint64_t>(::getpid()) << 40);
    }
    return r;
}

// Payload bytes of each guest event (trace/events.cpp, guest stream class).
std::size_t payload_size(std::uint16_t id) {
    using namespace trace::guest_event;
    switch (id) {
    case kVmsyncGhGuest:
    case kVmsyncHgGuest:
    case kMark: return 4 + 8;
    case kPmi: return 4 + 8 + 8;
    case kSample: return 4 + 8 + 4;
    default: return 0;
    }
}

void fill_payload(std::uint8_t* p, const GuestEvent& e) {
    using namespace trace::guest_event;
    using trace::put;
    switch (e.id) {
    case kVmsyncGhGuest:
    case kVmsyncHgGuest:
    case kMark:
        put(put(p, e.a), e.b);
        return;
    case kPmi:
        put(put(put(p, e.a), e.b), e.c);
        return;
    case kSample:
        put(put(put(p, e.a), e.b), static_cast<std::uint32_t>(e.c));
        return;
    default:
        return;
    }
}

}  // namespace

Result<guest_abi::BufferHeader> check_guest_buffer(std::span<const std::uint8_t> bytes) {
    using namespace guest_abi;
    BufferHeader h{};
    if (bytes.size() < sizeof h) {
        return make_error("trace buffer of " + std::to_string(bytes.size()) + " bytes: smaller than its " +
                          std::to_string(sizeof h) + "-byte header");
    }
    std::memcpy(&h, bytes.data(), sizeof h);
    if (h.magic != kMagic) return make_error("trace buffer: bad magic " + hex(h.magic) + " (want " + hex(kMagic) + ")");
    if (h.version != kVersion) {
        return make_error("trace buffer: version " + std::to_string(h.version) + " (this VMM reads " +
                          std::to_string(kVersion) + ")");
    }
    if (h.record_size != sizeof(Record)) {
        return make_error("trace buffer: record size " + std::to_string(h.record_size) + " (want " +
                          std::to_string(sizeof(Record)) + ")");
    }
    if (h.capacity > kMaxRecords) {
        return make_error("trace buffer: capacity " + std::to_string(h.capacity) + " records (at most " +
                          std::to_string(kMaxRecords) + ")");
    }
    if (sizeof h + std::uint64_t{h.capacity} * sizeof(Record) > bytes.size()) {
        return make_error("trace buffer: " + std::to_string(h.capacity) + " records do not fit its " +
                          std::to_string(bytes.size()) + " bytes");
    }
    if (h.tsc_mult == 0) return make_error("trace buffer: the guest clock has no rate (tsc_mult 0)");
    h.count = std::min(h.count, h.capacity);
    return h;
}

Result<GuestBatch> decode_guest_buffer(std::span<const std::uint8_t> bytes) {
    using namespace guest_abi;
    auto header = check_guest_buffer(bytes);
    if (!header) return header.error();
    GuestBatch batch;
    batch.header = *header;
    std::uint32_t reserved = 0;
    std::memcpy(&reserved, bytes.data() + offsetof(BufferHeader, count), sizeof reserved);
    batch.lost = reserved - header->count;
    batch.events.reserve(header->count);
    for (std::uint32_t i = 0; i < header->count; ++i) {
        Record r;
        std::memcpy(&r, bytes.data() + sizeof(BufferHeader) + std::size_t{i} * sizeof r, sizeof r);
        std::uint64_t ns = 0;
        if (r.tsc < header->tsc_origin) {
            ++batch.before_origin;
        } else {
            // The guest's own arithmetic (rt/clock.h), bit for bit.
            ns = static_cast<std::uint64_t>((static_cast<u128>(r.tsc - header->tsc_origin) * header->tsc_mult) >> 32);
        }
        batch.events.push_back({ns, r.id, r.cpu, r.a, r.b, r.c});
    }
    std::stable_sort(batch.events.begin(), batch.events.end(),
                     [](const GuestEvent& x, const GuestEvent& y) { return x.ns < y.ns; });
    return batch;
}

std::uint64_t make_vm_uid(unsigned index) {
    static const std::uint64_t run_bits = random_bits() & ((std::uint64_t{1} << 37) - 1);
    return run_bits << 16 | (index & 0xffff);
}

GuestTracer::GuestTracer(std::uint64_t vm_uid, unsigned vcpus, std::string dir)
    : vm_uid_(vm_uid), dir_(std::move(dir)), pending_hg_(vcpus == 0 ? 1 : vcpus, -1) {
    stats_.dir = dir_;
}

GuestTracer::~GuestTracer() { (void)close(); }

Result<void> GuestTracer::attach(dev::HypercallDevice& hypercalls, GuestMemory& memory) {
    using namespace hypercall_trace;
    if (auto ok = hypercalls.add_command(kInfo, "trace_info",
                                         [this](const dev::HypercallArgs& a) { return info(a.arg[0]); });
        !ok) {
        return ok;
    }
    if (auto ok = hypercalls.add_command(kSync, "trace_sync",
                                         [this](const dev::HypercallArgs& a) { return sync(a.vcpu, a.arg[0]); });
        !ok) {
        return ok;
    }
    return hypercalls.add_command(kFlush, "trace_flush", [this, &memory](const dev::HypercallArgs& a) {
        auto bytes = memory.slice(Gpa{a.arg[0]}, a.arg[1]);
        if (!bytes) {
            std::lock_guard lock(mutex_);
            ++stats_.rejected;
            stats_.last_error = "trace_flush: " + bytes.error().message;
            return kFlushRejected;
        }
        return flush(*bytes);
    });
}

std::uint32_t GuestTracer::info(std::uint32_t what) const {
    switch (what) {
    case 0: return static_cast<std::uint32_t>(vm_uid_);
    case 1: return static_cast<std::uint32_t>(vm_uid_ >> 32);
    case 2: return recording() ? hypercall_trace::kInfoRecording : 0;
    default: return dev::kHypercallUnknown;
    }
}

std::uint32_t GuestTracer::sync(unsigned vcpu, std::uint32_t cnt) {
    trace::tp::vmsync_gh_host(cnt, vm_uid_);
    pending_hg_[vcpu % pending_hg_.size()] = static_cast<std::int64_t>(cnt) + 1;
    std::lock_guard lock(mutex_);
    ++stats_.syncs;
    return cnt + 1;
}

void GuestTracer::emit_hg(unsigned vcpu) {
    std::int64_t& pending = pending_hg_[vcpu % pending_hg_.size()];
    trace::tp::vmsync_hg_host(static_cast<std::uint32_t>(pending), vm_uid_);
    pending = -1;
}

std::uint32_t GuestTracer::flush(std::span<const std::uint8_t> buffer) {
    std::lock_guard lock(mutex_);
    ++stats_.flushes;
    if (!recording() || closed_) {
        auto header = check_guest_buffer(buffer);
        if (!header) {
            ++stats_.rejected;
            stats_.last_error = "trace_flush: " + header.error().message;
            return hypercall_trace::kFlushRejected;
        }
        return header->count;  // taken, and dropped: no --trace
    }
    auto batch = decode_guest_buffer(buffer);
    if (!batch) {
        ++stats_.rejected;
        stats_.last_error = "trace_flush: " + batch.error().message;
        return hypercall_trace::kFlushRejected;
    }
    stats_.lost += batch->lost;
    if (auto ok = write(*batch); !ok) {
        stats_.last_error = ok.error().message;
        return hypercall_trace::kFlushRejected;
    }
    return batch->header.count;
}

Result<trace::StreamWriter*> GuestTracer::stream_for(std::uint16_t cpu) {
    if (!writer_) {
        trace::GuestSchemaOptions options;
        options.vm_uid = vm_uid_;
        // The guest clock's origin is the guest's boot; the guest does not
        // know when that was in any host time (the synchronizer finds out).
        auto writer = trace::TraceWriter::create(dir_, trace::guest_schema(options));
        if (!writer) return writer.error();
        writer_ = std::move(*writer);
    }
    if (cpu >= streams_.size()) streams_.resize(std::size_t{cpu} + 1, nullptr);
    if (!streams_[cpu]) {
        auto stream = writer_->add_stream(0, "guest_" + std::to_string(cpu), {cpu});
        if (!stream) return stream.error();
        streams_[cpu] = *stream;
    }
    return streams_[cpu];
}

Result<void> GuestTracer::write(const GuestBatch& batch) {
    for (const GuestEvent& e : batch.events) {
        const std::size_t size = payload_size(e.id);
        if (size == 0) {
            ++stats_.unknown_events;
            continue;
        }
        auto stream = stream_for(e.cpu);
        if (!stream) return make_error("guest trace " + dir_ + ": " + stream.error().message);
        std::uint8_t* payload = (*stream)->reserve(e.id, e.ns, size);
        fill_payload(payload, e);
        ++stats_.events;
    }
    return {};
}

Result<void> GuestTracer::close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    if (!writer_) return {};
    auto ok = writer_->close();
    stats_.clamped = writer_->totals().clamped;
    writer_.reset();
    streams_.clear();
    if (!ok) stats_.last_error = ok.error().message;
    return ok;
}

GuestTraceStats GuestTracer::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

}  // namespace vpmu::vmm
