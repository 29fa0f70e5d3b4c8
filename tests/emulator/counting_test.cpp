// Counting for real, end to end (issue 4): the counters guest
// (guests/counters) booted through /dev/kvm under each backend, its
// `RECORD key=value ...` lines compared with a ground truth the guest
// cannot fake:
//
//  - precise backend: instruction and branch counts of a CPL0 loop whose
//    instructions are known one by one;
//  - time backend: cycles against the vCPU thread's own host CPU time,
//    which the guest reads through the cpu_us hypercall around each
//    window (cycles = that time x the guest TSC kHz), and against the TSC;
//  - multiplexed and shared pools: the same truth per counter;
//  - host failures: runs under a low file-descriptor limit.
//
// Tolerances are stated where they are used, with their reasons.
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kvm_fixture.h"
#include "subprocess.h"

namespace vpmu::test {
namespace {

#ifdef VPMU_COUNTERS_GUEST

// One line of the guest, `KIND key=value ...`, from VM `vm` ("[vmK] "
// prefixes with --vms). Values that are not numbers are left out.
struct Record {
    unsigned vm = 0;
    std::string kind;
    std::map<std::string, std::uint64_t> values;
    std::uint64_t at(const std::string& key) const {
        auto it = values.find(key);
        return it == values.end() ? 0 : it->second;
    }
    bool has(const std::string& key) const { return values.count(key) != 0; }
};

std::vector<Record> parse_records(const std::string& console) {
    std::vector<Record> records;
    std::size_t begin = 0;
    while (begin < console.size()) {
        std::size_t end = console.find('\n', begin);
        if (end == std::string::npos) end = console.size();
        std::string line = console.substr(begin, end - begin);
        begin = end + 1;
        Record r;
        if (line.rfind("[vm", 0) == 0 && line.find("] ") != std::string::npos) {
            r.vm = static_cast<unsigned>(std::stoul(line.substr(3)));
            line = line.substr(line.find("] ") + 2);
        }
        std::size_t at = 0;
        while (at <= line.size()) {
            std::size_t space = std::min(line.find(' ', at), line.size());
            const std::string word = line.substr(at, space - at);
            at = space + 1;
            const std::size_t eq = word.find('=');
            if (r.kind.empty()) {
                r.kind = word;
            } else if (eq != std::string::npos) {
                std::uint64_t v = 0;
                const char* first = word.data() + eq + 1;
                const char* last = word.data() + word.size();
                auto [ptr, ec] = std::from_chars(first, last, v);
                if (ec == std::errc() && ptr == last) r.values[word.substr(0, eq)] = v;
            }
        }
        if (!r.kind.empty()) records.push_back(std::move(r));
    }
    return records;
}

std::vector<Record> of_kind(const std::vector<Record>& records, const std::string& kind, unsigned vm = 0) {
    std::vector<Record> out;
    for (const Record& r : records) {
        if (r.kind == kind && r.vm == vm) out.push_back(r);
    }
    return out;
}

// The guest TSC rate the guest reported (its `pmu ... tsc_khz=` line).
std::uint64_t tsc_khz(const std::vector<Record>& records, unsigned vm = 0) {
    auto pmu = of_kind(records, "pmu", vm);
    return pmu.empty() ? 0 : pmu.front().at("tsc_khz");
}

// The counters a `window` record carries (pmcN=, fixN=).
std::vector<std::string> counter_keys(const Record& window) {
    std::vector<std::string> keys;
    for (const auto& [key, value] : window.values) {
        if (key.rfind("pmc", 0) == 0 || key.rfind("fix", 0) == 0) keys.push_back(key);
    }
    return keys;
}

// Cycles the vCPU really ran in a window: its host CPU time x the TSC rate.
double run_time_cycles(const Record& window, std::uint64_t khz) {
    return static_cast<double>(window.at("cpu")) * static_cast<double>(khz) / 1000.0;
}

// Steal time: this host is itself a KVM guest with paravirtual steal
// accounting, so time its hypervisor takes from the vCPU thread's CPU is in
// perf's task-clock -- and so in the time backend's cycles -- but not in
// the scheduler's CPU time that cpu_us reports. It only ever raises cycles
// above that truth, in bursts: one window of ~400 in a benchmark run read
// 3.9% off while the host was loaded (its sign went unrecorded; ~3000
// later windows stayed within 0.6%). So a counter's ratio to its vCPU's
// run time, window
// by window, must never fall below 1 - tolerance, never rise above
// 1 + kStealSlack, and have its median within the tolerance. (A counter
// that saw other threads' cycles would read far above: see the sharing
// test.)
constexpr double kStealSlack = 0.10;

// The median; of an even count, the mean of the middle two (the upper
// middle alone would let one steal burst in two windows decide).
double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

void expect_tracks_run_time(const std::vector<double>& ratios, double tolerance, const std::string& what) {
    ASSERT_FALSE(ratios.empty()) << what;
    for (std::size_t i = 0; i < ratios.size(); ++i) {
        EXPECT_GE(ratios[i], 1.0 - tolerance) << what << ", window " << i;
        EXPECT_LE(ratios[i], 1.0 + kStealSlack) << what << ", window " << i;
    }
    EXPECT_NEAR(median(ratios), 1.0, tolerance) << what << ": median over the windows";
}

// counted / run-time cycles per window, for every counter of the windows.
std::map<std::string, std::vector<double>> run_time_ratios(const std::vector<Record>& windows, std::uint64_t khz) {
    std::map<std::string, std::vector<double>> ratios;
    for (const Record& w : windows) {
        for (const std::string& key : counter_keys(w)) {
            ratios[key].push_back(static_cast<double>(w.at(key)) / run_time_cycles(w, khz));
        }
    }
    return ratios;
}

std::vector<std::string> counters_run(std::vector<std::string> vpmu_args, const std::vector<std::string>& guest) {
    std::vector<std::string> args{"run", "--timeout", "60"};
    args.insert(args.end(), vpmu_args.begin(), vpmu_args.end());
    args.push_back(VPMU_COUNTERS_GUEST);
    args.push_back("--");
    args.insert(args.end(), guest.begin(), guest.end());
    return args;
}

ProcessResult run_counters(std::vector<std::string> vpmu_args, const std::vector<std::string>& guest) {
    return run_vpmu(counters_run(std::move(vpmu_args), guest), 90);
}

// `vpmu stats: pool NAME (S slots): B binds, R releases, N rotations, F bind failures`
struct PoolLine {
    std::string name;
    std::uint64_t slots = 0, binds = 0, rotations = 0, failures = 0;
};
std::vector<PoolLine> pool_lines(const std::string& err) {
    std::vector<PoolLine> pools;
    const std::string tag = "vpmu stats: pool ";
    for (std::size_t at = err.find(tag); at != std::string::npos; at = err.find(tag, at + 1)) {
        const std::string line = err.substr(at, err.find('\n', at) - at);
        PoolLine p;
        char name[32] = {};
        unsigned long long slots = 0, binds = 0, releases = 0, rotations = 0, failures = 0;
        if (std::sscanf(line.c_str(),
                        "vpmu stats: pool %31s (%llu slots): %llu binds, %llu releases, %llu rotations, %llu bind",
                        name, &slots, &binds, &releases, &rotations, &failures) == 6) {
            pools.push_back({name, slots, binds, rotations, failures});
        }
    }
    return pools;
}

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

class Counting : public KvmTest {};

// ---- precise backend --------------------------------------------------------

// Between the enabling and the disabling WRMSR of GLOBAL_CTRL the guest
// retires exactly 2N + 3 instructions (mov; N x {dec, jnz}; xor; xor), N of
// them branches (guests/counters/exact.cpp). The precise backend also
// counts the enabling WRMSR: the counters start in its exit and it retires
// on the re-entry, the first step. The disabling WRMSR stops them in its
// exit, before it retires. Hence 2N + 4 exactly, for every N, and the
// USR-only counter sees none of this kernel code.
TEST_F(Counting, PreciseBackendCountsAKnownKernelLoopExactly) {
    const ProcessResult r = run_counters({"--backend", "precise", "--pmu", "version=2"}, {"mode=exact"});
    ASSERT_EQ(r.status, 0) << r.err << r.out;
    const auto rows = of_kind(parse_records(r.out), "exact");
    ASSERT_EQ(rows.size(), 5u) << r.out;
    for (const Record& row : rows) {
        const std::uint64_t n = row.at("n");
        EXPECT_EQ(row.at("pmc0"), 2 * n + 4) << "instructions retired, OS, N=" << n;
        EXPECT_EQ(row.at("fix0"), 2 * n + 4) << "FIXED_CTR0, OS, N=" << n;
        EXPECT_EQ(row.at("pmc1"), n) << "branch instructions retired, OS, N=" << n;
        EXPECT_EQ(row.at("pmc2"), 0u) << "a USR-only counter over kernel code, N=" << n;
    }
}

// This host single-steps CPL3 not at all (nor the first kernel instruction
// after each entry from it): a stepped counter left running over a user
// task must end the run with that reason, never let the guest read a
// count -- with USR set, and with OS only too.
TEST_F(Counting, PreciseBackendFailsWithItsReasonRatherThanStepOverUserCode) {
    for (const std::string variant : {"", "os-only"}) {
        std::vector<std::string> guest{"mode=precise-user"};
        if (!variant.empty()) guest.push_back(variant);
        const ProcessResult r = run_counters({"--backend", "precise", "--pmu", "version=2"}, guest);
        EXPECT_EQ(r.status, 127) << variant << "\n" << r.err << r.out;
        EXPECT_TRUE(contains(r.out, "user-task start")) << r.out;
        EXPECT_FALSE(contains(r.out, "precise-user pmc0=")) << "the guest read a count: " << r.out;
        EXPECT_EQ(count_lines(r.err), 1) << r.err;
        EXPECT_TRUE(contains(r.err, "vm0 vcpu0: single-step:")) << r.err;
        EXPECT_TRUE(contains(r.err, "does not single-step CPL3")) << r.err;
        EXPECT_TRUE(contains(r.err, "stop instruction and branch counters before running user code")) << r.err;
    }
}

// ---- time backend -------------------------------------------------------------

// Cycles are the vCPU thread's task-clock x the guest TSC kHz, so over a
// window they must equal the thread's CPU time (cpu_us) x kHz. Tolerance
// 2%: the counter window is shorter than the CPU-time window by a few
// MSR-read exits (~10 us each in a ~50 ms window), cpu_us has 1 us steps,
// and the two clocks differ by host steal time (above, which only raises
// cycles); measured here: 0.996..1.004 in nearly every window, on a loaded
// host too (where CPU time was 45% of wall time). Cycles can never exceed
// the wall-clock TSC window (the thread cannot run longer than that); 0.5%
// covers the TSC kHz calibration.
TEST_F(Counting, TimeBackendCyclesTrackVcpuRunTime) {
    const ProcessResult r = run_counters({"--backend", "time", "--pmu", "version=2"},
                                         {"mode=cycles", "gp=2", "fixed=1", "windows=5", "iters=100000000"});
    ASSERT_EQ(r.status, 0) << r.err << r.out;
    const auto records = parse_records(r.out);
    const std::uint64_t khz = tsc_khz(records);
    ASSERT_GT(khz, 0u) << r.out;
    const auto windows = of_kind(records, "window");
    ASSERT_EQ(windows.size(), 5u) << r.out;
    for (const Record& w : windows) {
        ASSERT_EQ(counter_keys(w).size(), 4u) << "pmc0 pmc1 fix1 fix2: " << r.out;
        for (const std::string& key : counter_keys(w)) {
            EXPECT_LE(static_cast<double>(w.at(key)), 1.005 * static_cast<double>(w.at("tsc")))
                << key << " counted more than wall time in window " << w.at("n");
        }
    }
    for (const auto& [key, ratios] : run_time_ratios(windows, khz)) {
        expect_tracks_run_time(ratios, 0.02, key + " / vCPU run time\n" + r.out);
    }
}

// 8 GP counters and 2 fixed ones, all on cycles, on 2 physical slots: each
// is bound a fifth of the time and read as counted x enabled / running.
// The workload is steady (a dec/jnz loop) and, under the time backend,
// every counter's true value over a window is the same: the vCPU's run
// time x kHz, against which the unmultiplexed counters above land within
// 2%. Stated error for the estimates: 3% (and the steal-time slack above).
// Why it should be small: enabled and running time are both the vCPU
// thread's CPU time, so scaling recovers a constant-rate count; what
// remains is the read skew of 20 counter reads per window (~0.4%,
// measured 0.996 for every counter in windows 1-3), the task-clock/CPU-time
// difference (as above), and the first window, whose counters that began
// in waiting extrapolate from few slices (measured up to +0.5%).
// bench/multiplex_error.sh measures the same with and without a pool.
TEST_F(Counting, MultiplexedEstimatesOnTwoSlotsStayWithinThreePercent) {
    const ProcessResult r =
        run_counters({"--backend", "time", "--pmu", "version=2,gp=8", "--pool", "2", "--stats"},
                     {"mode=cycles", "gp=8", "fixed=1", "windows=4", "iters=200000000"});
    ASSERT_EQ(r.status, 0) << r.err << r.out;
    const auto records = parse_records(r.out);
    const std::uint64_t khz = tsc_khz(records);
    const auto windows = of_kind(records, "window");
    ASSERT_EQ(windows.size(), 4u) << r.out;
    for (const Record& w : windows) ASSERT_EQ(counter_keys(w).size(), 10u) << r.out;
    for (const auto& [key, ratios] : run_time_ratios(windows, khz)) {
        expect_tracks_run_time(ratios, 0.03, key + " estimate / vCPU run time\n" + r.out);
    }
    const auto pools = pool_lines(r.err);
    ASSERT_EQ(pools.size(), 1u) << r.err;
    EXPECT_EQ(pools[0].slots, 2u);
    EXPECT_GE(pools[0].rotations, 20u) << "10 counters on 2 slots for ~0.2 s of 4 ms slices: " << r.err;
    EXPECT_EQ(pools[0].failures, 0u);
}

// ---- several VMs on one host CPU --------------------------------------------

// A process that burns host CPU 0 until the test kills it: the host's own
// activity, competing with the VMs pinned there.
class CpuBurner {
public:
    explicit CpuBurner(int cpu) {
        pid_ = ::fork();
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(cpu, &set);
            ::sched_setaffinity(0, sizeof set, &set);
            volatile unsigned long spin = 0;
            for (;;) spin = spin + 1;
        }
    }
    ~CpuBurner() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    CpuBurner(const CpuBurner&) = delete;
    CpuBurner& operator=(const CpuBurner&) = delete;

private:
    pid_t pid_ = -1;
};

// Three VMs pinned to host CPU 0 share that CPU's pool of 2 slots (3
// counters: they rotate), while a host process burns the same CPU. Each
// VM's counter must count that VM's own run time only. With four runnable
// threads on one CPU each VM runs ~1/4 of the wall time (we require < 60%
// in the median window, or there was no contention to see through); a
// counter that saw the other VMs' or the host's cycles would read about
// the TSC window, i.e. > 1/0.6 of its VM's run time, far outside the 3% of
// the multiplexing tolerance above (and its +10% steal slack).
TEST_F(Counting, VmsPinnedToOneCpuShareOnePoolAndCountOnlyTheirOwnRunTime) {
    ProcessResult r;
    {
        CpuBurner host_activity(0);
        r = run_counters({"--backend", "time", "--pmu", "version=2", "--vms", "3", "--pin", "0", "--pool", "2",
                          "--stats"},
                         {"mode=cycles", "gp=1", "windows=4", "iters=100000000"});
    }
    ASSERT_EQ(r.status, 0) << r.err << r.out;
    const auto records = parse_records(r.out);
    for (unsigned vm = 0; vm < 3; ++vm) {
        const std::uint64_t khz = tsc_khz(records, vm);
        const auto windows = of_kind(records, "window", vm);
        ASSERT_EQ(windows.size(), 4u) << "vm" << vm << ": " << r.out;
        std::vector<double> share;
        for (const Record& w : windows) share.push_back(run_time_cycles(w, khz) / static_cast<double>(w.at("tsc")));
        expect_tracks_run_time(run_time_ratios(windows, khz)["pmc0"], 0.03,
                               "vm" + std::to_string(vm) + " pmc0 / its own run time\n" + r.out);
        EXPECT_LT(median(share), 0.6) << "vm" << vm << " ran alone: nothing shared its CPU";
    }
    const auto pools = pool_lines(r.err);
    ASSERT_EQ(pools.size(), 1u) << "one pool for the one pinned CPU: " << r.err;
    EXPECT_EQ(pools[0].name, "cpu0");
    EXPECT_EQ(pools[0].slots, 2u);
    EXPECT_GE(pools[0].binds, 3u) << "every VM's counter was bound";
    EXPECT_GE(pools[0].rotations, 1u) << "3 counters on 2 slots rotate";
}

// ---- host failures ------------------------------------------------------------

// `vpmu run` under `prlimit --nofile=N:N`.
ProcessResult run_with_fd_limit(unsigned limit, std::vector<std::string> vpmu_args,
                                const std::vector<std::string>& guest) {
    std::vector<std::string> argv{"/usr/bin/prlimit", "--nofile=" + std::to_string(limit) + ":" +
                                                          std::to_string(limit),
                                  vpmu_binary()};
    const auto args = counters_run(std::move(vpmu_args), guest);
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, 90);
}

// Every file-descriptor limit from "cannot even open /dev/kvm" up to "the
// counter counts": each run either fails with 127 and a line naming the
// errno, or runs the guest -- whose counter then either counts, or (at the
// one limit where everything but the perf event opens) stays at 0 with the
// refusal reported on stderr and in --stats. Never a run that ends without
// a reason, never a counter that says nothing and reads 0.
TEST_F(Counting, FdLimitsFailClearlyOrLeaveTheCounterUnavailableAndSaySo) {
    if (::access("/usr/bin/prlimit", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/prlimit (util-linux) here";
#ifdef __SANITIZE_ADDRESS__
    // Seen in ci/test --sanitize: with no descriptor free, every virtual
    // call the VMM makes fails UBSan's vptr check ("object has invalid
    // vptr", exit 1) -- the runtime probes memory through a pipe it cannot
    // open -- so the sweep would test the sanitizer, not the VMM.
    GTEST_SKIP() << "sanitized build: UBSan's vptr check needs a free file descriptor to probe memory";
#endif
    const std::vector<std::string> vpmu_args{"--backend", "time", "--pmu", "version=2", "--stats"};
    const std::vector<std::string> guest{"mode=cycles", "gp=1", "windows=2", "iters=10000000"};
    std::optional<unsigned> refused_at, counting_at;
    for (unsigned limit = 3; limit <= 64 && !counting_at; ++limit) {
        const ProcessResult r = run_with_fd_limit(limit, vpmu_args, guest);
        SCOPED_TRACE("--nofile=" + std::to_string(limit) + "\nstderr:\n" + r.err + "console:\n" + r.out);
        ASSERT_FALSE(r.timed_out);
        // Below a few descriptors the dynamic loader itself fails: no vpmu yet.
        if (contains(r.err, "error while loading shared libraries")) continue;
        EXPECT_FALSE(contains(r.err, "without a reason"));
        if (r.status != 0) {
            EXPECT_EQ(r.status, 127);
            EXPECT_TRUE(contains(r.err, "Too many open files"));
            continue;
        }
        const auto records = parse_records(r.out);
        const auto windows = of_kind(records, "window");
        const auto end = of_kind(records, "end");
        ASSERT_EQ(windows.size(), 2u);
        ASSERT_EQ(end.size(), 1u);
        if (contains(r.err, "counter starts refused: 0")) {
            for (const Record& w : windows) EXPECT_GT(w.at("pmc0"), 0u);
            counting_at = limit;
            continue;
        }
        refused_at = limit;
        for (const Record& w : windows) EXPECT_EQ(w.at("pmc0"), 0u) << "a refused counter moved";
        EXPECT_EQ(end[0].at("pmc0"), 0u);
        EXPECT_TRUE(contains(r.err, "vpmu run: vm0: 1 counter starts refused, those counters did not count "
                                    "(perf_event_open: Too many open files)"));
        EXPECT_TRUE(contains(r.err, "counter starts refused: 1"));
    }
    ASSERT_TRUE(counting_at) << "the counter never counted under any limit up to 64";
    ASSERT_TRUE(refused_at) << "no limit let the VM run but refused the perf event";
    EXPECT_EQ(*refused_at + 1, *counting_at) << "the perf event is the last descriptor the run needs";

    // 8 counters on --pool 2, from that limit up: each counter either
    // counts its vCPU's run time or reads 0 throughout, and as many are
    // reported refused as read 0. At the first limit where two or more
    // count (both slots were taken at once; a descriptor some other VMM
    // thread holds for a moment can cost one), the silent ones had been
    // queued for a slot: the rotation could not open them, and they must
    // stay unavailable (0, reported as bind failures), not be extrapolated
    // from nothing.
    bool slots_filled = false;
    for (unsigned limit = *counting_at; limit <= *counting_at + 8 && !slots_filled; ++limit) {
        const ProcessResult r =
            run_with_fd_limit(limit, {"--backend", "time", "--pmu", "version=2,gp=8", "--pool", "2", "--stats"},
                              {"mode=cycles", "gp=8", "windows=2", "iters=100000000"});
        SCOPED_TRACE("--pool 2 --nofile=" + std::to_string(limit) + "\nstderr:\n" + r.err + "console:\n" + r.out);
        ASSERT_EQ(r.status, 0);
        const auto records = parse_records(r.out);
        ASSERT_EQ(of_kind(records, "window").size(), 2u);
        unsigned counting = 0, silent = 0;
        for (const auto& [key, ratios] : run_time_ratios(of_kind(records, "window"), tsc_khz(records))) {
            if (ratios.front() == 0.0) {
                ++silent;
                for (double ratio : ratios) EXPECT_EQ(ratio, 0.0) << key << " started counting late";
            } else {
                ++counting;
                expect_tracks_run_time(ratios, 0.03, key + " / vCPU run time");
            }
        }
        ASSERT_EQ(counting + silent, 8u);
        if (silent > 0) {
            EXPECT_TRUE(contains(r.err, "vpmu run: vm0: " + std::to_string(silent) +
                                            " counter starts refused, those counters did not count "
                                            "(perf_event_open: Too many open files)"));
        } else {
            EXPECT_FALSE(contains(r.err, "refused, those counters did not count"));
        }
        if (counting >= 2) {
            slots_filled = true;
            EXPECT_GE(silent, 1u) << "every counter got a host event: nothing was refused at its turn";
            const auto pools = pool_lines(r.err);
            ASSERT_EQ(pools.size(), 1u);
            EXPECT_EQ(pools[0].failures, silent) << "the silent ones waited for a slot the host then refused";
        }
    }
    EXPECT_TRUE(slots_filled) << "no limit up to 8 above the single counter's let two counters have host events";
}

// The overflow signal is routed through a table of perf-event fds (the
// signal handler may not allocate): an event whose fd lies beyond it
// cannot be given its overflow signal. With 8200 descriptors inherited
// open, the VMM's perf event lands there, and the counter must be refused
// with that reason rather than count without overflows.
TEST_F(Counting, OverflowSignalSetupFailingLeavesTheCounterUnavailable) {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < 9000) {
        GTEST_SKIP() << "the hard RLIMIT_NOFILE (" << limit.rlim_max << ") is below the 9000 this needs";
    }
    const auto args = counters_run({"--backend", "time", "--pmu", "version=2", "--stats"},
                                   {"mode=cycles", "gp=1", "windows=2", "iters=10000000"});
    std::vector<std::string> argv{"/bin/bash", "-c",
                                  "ulimit -n 9000 && for ((fd = 3; fd < 8200; ++fd)); do eval \"exec $fd</dev/null\"; "
                                  "done && exec \"$@\"",
                                  "bash", vpmu_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    const ProcessResult r = run_process(argv, 90);
    ASSERT_EQ(r.status, 0) << r.err << r.out;
    for (const Record& w : of_kind(parse_records(r.out), "window")) EXPECT_EQ(w.at("pmc0"), 0u) << r.out;
    EXPECT_TRUE(contains(r.err, "1 counter starts refused")) << r.err;
    EXPECT_TRUE(contains(r.err, "beyond the overflow table")) << r.err;
}

#else
TEST(Counting, NeedsTheCountersGuest) { GTEST_SKIP() << "guests/counters was not built (no counters_guest target)"; }
#endif

}  // namespace
}  // namespace vpmu::test
