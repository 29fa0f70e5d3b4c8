// The sync-heartbeat guest: a guest trace for the synchronizer to align.
// A user task does work items, each between two guest_mark events, and
// every 1/hz seconds (guest clock) one sync exchange with the VMM
// (rt/trace.h). Run it with `vpmu run --trace DIR`, then
// `vpmu sync --host DIR/host --guest DIR/guest --out DIR/merged`.
//
// Command line (key=value words):
//   hz=N            sync exchanges per second (default 1000; 0: none)
//   seconds=S       how long the work runs, guest clock (default 2)
//   ms=M            the same in milliseconds (overrides seconds)
//   item_us=U       mean work-item length in µs (default 100)
//   clock=apic|vmm  how the guest calibrates its TSC (rt/clock.h; default apic)
//   calibrate_ms=M  APIC calibration window (default 50)
//   records=N       trace buffer size, records per buffer (default 16384)
//
// Prints key=value lines: `heartbeat clock ...` (the guest's calibration),
// `heartbeat done ...` (counts) and `heartbeat exchanges ...` (the guest-
// observed round trip of the sync exchange's OUT, between its two RDTSCs:
// one exit with the VMM's tracepoints in it, for bench/trace_vm_cost.sh). Exit status: 0 done with every event
// handed over, 1 no tracer (not under vpmu, or the clock could not be
// calibrated), 2 events lost or refused by the VMM.
#include "heartbeat.h"
#include "rt/rt.h"

int guest_main() {
    char clock_name[8] = "apic";
    rt::cmdline_value("clock", clock_name, sizeof clock_name);
    rt::trace::Options options;
    options.clock = rt::clock_source_from(clock_name);
    options.calibrate_ms = uint32_t(rt::cmdline_u64("calibrate_ms", 50));
    options.records = uint32_t(rt::cmdline_u64("records", 16384));
    if (options.clock == rt::ClockSource::none) {
        rt::printf("heartbeat error reason=unknown-clock clock=%s\n", clock_name);
        return 1;
    }
    if (!rt::trace::init(options)) {
        rt::printf("heartbeat error reason=no-tracer (not under vpmu, or clock=%s failed)\n", clock_name);
        return 1;
    }
    const rt::ClockCalibration& c = rt::clock_calibration();
    rt::printf("heartbeat clock source=%s tsc_hz=%lu origin_tsc=%lu window_ns=%lu read_error_tsc=%lu "
               "vm_uid=%lu recording=%d\n",
               rt::clock_source_name(c.source), c.tsc_hz, c.tsc_origin, c.window_ns, c.read_error_tsc,
               rt::trace::vm_uid(), rt::trace::host_recording() ? 1 : 0);

    const uint64_t hz = rt::cmdline_u64("hz", 1000);
    const uint64_t ms = rt::cmdline_u64("ms", rt::cmdline_u64("seconds", 2) * 1000);
    static hb::TaskIo io;
    io.plan.duration_ns = ms * 1000000;
    io.plan.sync_period_ns = hz == 0 ? 0 : 1000000000 / hz;
    io.plan.item_ns = rt::cmdline_u64("item_us", 100) * 1000;
    const uint64_t started = rt::clock_ns();
    rt::user_run(hb::run_work, uint64_t(uintptr_t(&io)));
    const uint64_t elapsed = rt::clock_ns() - started;
    rt::trace::flush();

    const rt::trace::Stats s = rt::trace::stats();
    rt::printf("heartbeat done elapsed_ns=%lu items=%lu syncs=%lu events=%lu lost=%lu flushes=%lu "
               "refused=%lu checksum=%lx\n",
               elapsed, io.outcome.items, s.syncs, s.events, s.lost, s.flushes, s.refused, io.outcome.checksum);
    const hb::ExchangeTimes& x = io.outcome.exchanges;
    if (x.count != 0) {
        rt::printf("heartbeat exchanges count=%lu min_ns=%lu p50_ns=%lu p90_ns=%lu mean_ns=%lu\n", x.count, x.min_ns,
                   x.percentile(50), x.percentile(90), x.sum_ns / x.count);
    }
    return (s.lost != 0 || s.refused != 0) ? 2 : 0;
}
