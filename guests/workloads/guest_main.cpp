// The workloads guest: runs one workload of workloads.h as a user task and
// reports its run time (guest TSC), optionally while counting events or
// while sampling it with the in-guest profiler (profiler/).
//
// Command line (words after `vpmu run ... --`):
//   workload=NAME   pi matrixprod crc16 ackermann compute memsweep (default compute)
//   scale=N         work units (default 10); ws=KIB  memsweep working set (default 1024)
//   mode=none|count|sample   (default none)
//     count:  IA32_PMC0 UnHalted Core Cycles, IA32_PMC1 UnHalted Reference
//             Cycles, IA32_FIXED_CTR1/2, all user mode only
//     sample: the profiler on IA32_PMC0 cycles, period=N (default 1000000),
//             vector=V (default 0 = NMI), top=N table rows (default 15);
//             IA32_PMC1 counts cycles (user mode) meanwhile, without
//             interrupts: samples x period vs the cycles that went by
//   mode=kinst      no workload: the guest-kernel instructions of one
//                   sample's PMI path (needs --backend precise, which counts
//                   kernel instructions exactly by single-stepping). At CPL0:
//                   IA32_PMC1 counts instructions retired (OS only) over
//                   `scale` self-NMIs taken by the profiler's handler, minus
//                   the same number of APIC register writes (the self-IPI's
//                   own WRMSR path); the difference per NMI is the stub,
//                   dispatch, handler and IRETQ, within ±3 instructions.
// Output: the profile (sample mode) and one line
//   RESULT {"workload":...,"tsc_ticks":...,"tsc_khz":...,...}
// Exit status 0, or 1 with a line "ERROR: ..." when the run cannot be done.
#include "profiler/profiler.h"
#include "profiler/report.h"
#include "rt/rt.h"
#include "workloads/workloads.h"

namespace {

constexpr uint32_t kPmc0 = 0xC1, kPmc1 = 0xC2, kPerfEvtSel0 = 0x186, kPerfEvtSel1 = 0x187,
                   kFixedCtr1 = 0x30A, kFixedCtr2 = 0x30B, kFixedCtrCtrl = 0x38D, kGlobalCtrl = 0x38F,
                   kGlobalOvfCtrl = 0x390;
constexpr uint64_t kUsr = 1u << 16, kOs = 1u << 17, kEn = 1u << 22;
constexpr uint64_t kRefCycles = 0x013C, kInstructionsRetired = 0x00C0;
constexpr size_t kSampleCapacity = 1u << 20;

struct Counts {
    uint64_t pmc0 = 0, pmc1 = 0, fixed1 = 0, fixed2 = 0;
};

struct Task {
    const wl::Workload* workload;
    wl::Params params;
};

uint64_t run_task(uint64_t arg) {
    const Task& t = *reinterpret_cast<const Task*>(arg);
    return t.workload->run(t.params);
}

struct ReportTask {
    prof::ReportInfo info;
    const uint64_t* samples;
    size_t stored;
    void* scratch;
};

uint64_t report_task(uint64_t arg) {
    const ReportTask& r = *reinterpret_cast<const ReportTask*>(arg);
    return prof::report(rt::printf, r.info, r.samples, r.stored, r.scratch) ? 0 : 1;
}

int fail(const char* what) {
    rt::printf("ERROR: %s\n", what);
    return 1;
}

bool pmu_v2() { return (rt::cpuid(0xA).eax & 0xFF) >= 2; }

void start_counting() {
    rt::wrmsr(kGlobalCtrl, 0);
    rt::wrmsr(kPmc0, 0);
    rt::wrmsr(kPmc1, 0);
    rt::wrmsr(kFixedCtr1, 0);
    rt::wrmsr(kFixedCtr2, 0);
    rt::wrmsr(kPerfEvtSel0, prof::kEventCycles | kUsr | kEn);
    rt::wrmsr(kPerfEvtSel1, kRefCycles | kUsr | kEn);
    rt::wrmsr(kFixedCtrCtrl, 0x2u << 4 | 0x2u << 8);  // fixed 1 and 2: user mode
    rt::wrmsr(kGlobalCtrl, 0x3 | 0x6ull << 32);
}

Counts stop_counting() {
    rt::wrmsr(kGlobalCtrl, 0);
    Counts c{rt::rdmsr(kPmc0), rt::rdmsr(kPmc1), rt::rdmsr(kFixedCtr1), rt::rdmsr(kFixedCtr2)};
    rt::wrmsr(kPerfEvtSel0, 0);
    rt::wrmsr(kPerfEvtSel1, 0);
    rt::wrmsr(kFixedCtrCtrl, 0);
    return c;
}

// IA32_PMC1 = guest-kernel instructions retired while fn(i) runs `n` times.
uint64_t kernel_instructions(uint64_t n, void (*fn)()) {
    rt::wrmsr(kPmc1, 0);
    rt::wrmsr(kPerfEvtSel1, kInstructionsRetired | kOs | kEn);
    rt::wrmsr(kGlobalCtrl, 0x2);
    for (uint64_t i = 0; i < n; ++i) fn();
    rt::wrmsr(kGlobalCtrl, 0);
    return rt::rdmsr(kPmc1);
}

// mode=kinst (see the top of the file).
int measure_pmi_path(uint64_t n) {
    if (rt::cpuid(0xA).ebx & 2) return fail("Instructions Retired unavailable: run with --backend precise");
    static uint64_t sink[4];
    prof::Options o;
    o.period = (1ull << 31) - 1;
    o.buffer = sink;
    o.capacity = 4;
    if (const char* why = prof::start(o)) return fail(why);
    rt::wrmsr(kPerfEvtSel0, 0);  // the handler is installed; the counter itself stays off
    const uint64_t with_nmi = kernel_instructions(n, [] { rt::apic_self_ipi(0); });
    const uint64_t baseline = kernel_instructions(n, [] { rt::apic_write(rt::kApicTpr, 0); });
    const prof::Taken taken = prof::stop();
    rt::printf("RESULT {\"workload\":\"pmi-path\",\"mode\":\"kinst\",\"nmis\":%lu,\"handled\":%lu,"
               "\"with_nmi\":%lu,\"baseline\":%lu,\"kernel_instructions_per_sample\":%lu}\n",
               n, taken.samples, with_nmi, baseline, taken.samples ? (with_nmi - baseline) / taken.samples : 0);
    return taken.samples == n ? 0 : fail("not every self-NMI reached the profiler's handler");
}

}  // namespace

int guest_main() {
    char name[32] = "compute", mode[16] = "none";
    rt::cmdline_value("workload", name, sizeof name);
    rt::cmdline_value("mode", mode, sizeof mode);
    const wl::Workload* workload = wl::find(name);
    if (!workload) return fail("unknown workload (workload=pi|matrixprod|crc16|ackermann|compute|memsweep)");
    const bool counting = !strcmp(mode, "count"), sampling = !strcmp(mode, "sample");
    const bool kinst = !strcmp(mode, "kinst");
    if (!counting && !sampling && !kinst && strcmp(mode, "none")) return fail("mode= none|count|sample|kinst");
    if ((counting || sampling || kinst) && !pmu_v2()) return fail("this mode needs a v2+ PMU (vpmu run --pmu ...)");
    if (kinst) return measure_pmi_path(rt::cmdline_u64("scale", 10));

    Task task{workload, {}};
    task.params.scale = rt::cmdline_u64("scale", 10);
    if (!strcmp(name, "memsweep")) {
        task.params.working_set = rt::cmdline_u64("ws", 1024) << 10;
        task.params.buffer_bytes = task.params.working_set;
        task.params.buffer = static_cast<uint8_t*>(rt::alloc(task.params.buffer_bytes, 4096));
    }
    const uint32_t tsc_khz = rt::hypercall(rt::kHypercallTscKhz);

    prof::Options options;
    options.period = rt::cmdline_u64("period", 1000000);
    options.vector = static_cast<uint8_t>(rt::cmdline_u64("vector", 0));
    if (sampling) {
        options.capacity = kSampleCapacity;
        options.buffer = static_cast<uint64_t*>(rt::alloc(kSampleCapacity * sizeof(uint64_t), 4096));
        if (const char* why = prof::start(options)) return fail(why);
        rt::wrmsr(kPmc1, 0);
        rt::wrmsr(kPerfEvtSel1, prof::kEventCycles | kUsr | kEn);
        rt::wrmsr(kGlobalCtrl, 0x3);
    } else if (counting) {
        start_counting();
    }
    const uint64_t t0 = rt::rdtsc();
    const uint64_t checksum = rt::user_run(run_task, reinterpret_cast<uint64_t>(&task));
    const uint64_t t1 = rt::rdtsc();
    Counts counts;
    prof::Taken taken{0, 0};
    if (sampling) {
        taken = prof::stop();
        rt::wrmsr(kGlobalCtrl, 0);
        counts.pmc1 = rt::rdmsr(kPmc1);
        rt::wrmsr(kPerfEvtSel1, 0);
    } else if (counting) {
        counts = stop_counting();
    }
    if (sampling) {
        ReportTask r{{"cycles", options.period, taken.samples, taken.samples - taken.stored,
                      static_cast<size_t>(rt::cmdline_u64("top", 15))},
                     options.buffer, static_cast<size_t>(taken.stored), rt::alloc(prof::kReportScratchBytes)};
        rt::user_run(report_task, reinterpret_cast<uint64_t>(&r));
    }
    rt::printf("RESULT {\"workload\":\"%s\",\"mode\":\"%s\",\"scale\":%lu,\"ws_kib\":%lu,\"checksum\":%lu,"
               "\"tsc_ticks\":%lu,\"tsc_khz\":%u,\"period\":%lu,\"samples\":%lu,\"lost\":%lu,"
               "\"pmc0\":%lu,\"pmc1\":%lu,\"fixed1\":%lu,\"fixed2\":%lu}\n",
               name, mode, task.params.scale, task.params.working_set >> 10, checksum, t1 - t0, tsc_khz,
               sampling ? options.period : 0, taken.samples, taken.samples - taken.stored,
               counts.pmc0, counts.pmc1, counts.fixed1, counts.fixed2);
    return 0;
}
