#include "synthetic_traces.h"

#include <stdexcept>

#include "trace/events.h"
#include "trace/writer.h"

namespace vpmu::trace::test {
namespace {

std::unique_ptr<TraceWriter> create(const std::string& dir, TraceSchema schema) {
    auto w = TraceWriter::create(dir, std::move(schema));
    if (!w) throw std::runtime_error(w.error().message);
    return std::move(*w);
}

StreamWriter* stream(TraceWriter& w, const std::string& name, std::vector<std::uint64_t> ctx) {
    auto s = w.add_stream(0, name, std::move(ctx));
    if (!s) throw std::runtime_error(s.error().message);
    return *s;
}

void check(const Result<void>& r) {
    if (!r) throw std::runtime_error(r.error().message);
}

}  // namespace

SyntheticCounts write_synthetic_traces(const SyntheticRun& run, const std::string& host_dir,
                                       const std::string& guest_dir) {
    HostSchemaOptions ho;
    ho.hostname = "synthetic-host";
    ho.realtime_origin = false;
    GuestSchemaOptions go;
    go.vm_uid = run.vm_uid;
    auto host = create(host_dir, host_schema(ho));
    auto guest = create(guest_dir, guest_schema(go));
    StreamWriter* hs = stream(*host, "host_0", {1234, 0});
    StreamWriter* gs = stream(*guest, "guest_0", {0});
    ExchangeGenerator gen(run.clocks);
    SyntheticCounts n;
    using L = Value::List;
    auto h = [&](std::uint16_t id, std::int64_t ts, L fields) {
        check(hs->write(id, static_cast<std::uint64_t>(ts), Value(std::move(fields))));
        ++n.host_events;
    };
    auto g = [&](std::uint16_t id, std::int64_t ts, L fields) {
        check(gs->write(id, static_cast<std::uint64_t>(ts), Value(std::move(fields))));
        ++n.guest_events;
    };
    const auto& c = run.clocks;
    auto host_of = [&](std::int64_t gt) { return static_cast<std::int64_t>(c.host_of(gt)); };
    h(host_event::kVcpuEntry, host_of(run.guest_start_ns) - 1000, L{0u});
    for (int k = 0; k < run.exchanges; ++k) {
        const std::int64_t a = run.guest_start_ns + k * run.period_ns;
        const Exchange e = gen.at(a);
        const auto cnt = static_cast<std::uint32_t>(2 * k);
        // a: the guest's sync event, then its port-I/O exit at b.
        if (run.guest_to_host) g(guest_event::kVmsyncGhGuest, e.a_guest, L{cnt, run.vm_uid});
        h(host_event::kVcpuExit, e.b_host - 200, L{0u, 2u, 0x610u});
        if (run.guest_to_host) h(host_event::kVmsyncGhHost, e.b_host, L{cnt, run.vm_uid});
        if (run.other_vm_uid) h(host_event::kVmsyncGhHost, e.b_host + 1, L{cnt, run.other_vm_uid});
        if (run.host_to_guest) h(host_event::kVmsyncHgHost, e.c_host, L{cnt + 1, run.vm_uid});
        h(host_event::kVcpuEntry, e.c_host + 200, L{0u});
        if (run.host_to_guest) g(guest_event::kVmsyncHgGuest, e.d_guest, L{cnt + 1, run.vm_uid});
        // The guest runs until the next exchange; the host may preempt it
        // in the middle of that for a fifth of the period. Guest time stands
        // still then for the guest's own events: none fall inside (20 µs margin).
        const std::int64_t next = a + run.period_ns;
        const std::int64_t span = next - e.d_guest;
        const bool preempt = run.preempt_every > 0 && k % run.preempt_every == 0;
        const std::int64_t p0 = e.d_guest + span / 2, p1 = p0 + span / 5;
        for (int m = 1; m <= run.marks_per_period; ++m) {
            const std::int64_t t = e.d_guest + span * m / (run.marks_per_period + 1);
            if (preempt && t >= p0 - 20'000 && t <= p1 + 20'000) continue;
            g(guest_event::kMark, t, L{static_cast<unsigned>(m), static_cast<std::uint64_t>(k)});
        }
        if (preempt) {
            h(host_event::kVcpuExit, host_of(p0), L{0u, 10u, 0u});
            h(host_event::kVcpuEntry, host_of(p1), L{0u});
        }
    }
    check(host->close());
    check(guest->close());
    return n;
}

}  // namespace vpmu::trace::test
