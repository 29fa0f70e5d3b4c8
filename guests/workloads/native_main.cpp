// The workloads as a native host program: the same workloads.cpp as the
// guest, run on a pinned CPU, timed with CLOCK_MONOTONIC, and optionally
// profiled by the method the guest's `auto` backend uses on this host: the
// thread's task-clock (a perf software event, hrtimer-driven; the time
// backend's cycles are the vCPU thread's task-clock scaled to the TSC rate)
// overflows every period/tsc_khz of CPU time and signals the thread, whose
// SIGPROF handler keeps the interrupted RIP. (A POSIX CPU-time timer would
// only fire on scheduler ticks, 4 ms here.) Symbols come from the same
// embedded table as the guest's.
//
//   workloads-native workload=NAME [scale=N] [ws=KIB] [cpu=N]
//                    [period=CYCLES tsc_khz=KHZ [top=N]]
// Prints the profile (with period=) and
//   RESULT {"workload":...,"ns":...,"cpu_ns":...,...}
#include <fcntl.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "profiler/report.h"
#include "workloads/workloads.h"

namespace {

std::vector<uint64_t> g_samples;
volatile sig_atomic_t g_taken = 0;

void on_sigprof(int, siginfo_t*, void* context) {
    const auto* uc = static_cast<const ucontext_t*>(context);
    const auto rip = static_cast<uint64_t>(uc->uc_mcontext.gregs[REG_RIP]);
    const auto n = static_cast<std::size_t>(g_taken);
    if (n < g_samples.size()) g_samples[n] = rip;
    g_taken = g_taken + 1;
}

void print(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    std::vprintf(fmt, ap);
    va_end(ap);
}

std::string arg_value(int argc, char** argv, const char* key, const char* fallback) {
    const std::size_t n = std::strlen(key);
    for (int i = 1; i < argc; ++i) {
        if (!std::strncmp(argv[i], key, n) && argv[i][n] == '=') return argv[i] + n + 1;
    }
    return fallback;
}

uint64_t arg_u64(int argc, char** argv, const char* key, uint64_t fallback) {
    const std::string v = arg_value(argc, argv, key, "");
    return v.empty() ? fallback : std::strtoull(v.c_str(), nullptr, 0);
}

int64_t ns_of(clockid_t clock) {
    timespec t{};
    clock_gettime(clock, &t);
    return int64_t{t.tv_sec} * 1000000000 + t.tv_nsec;
}

// A task-clock event of this thread that signals it every `interval_ns`.
int start_profiling(uint64_t interval_ns) {
    struct sigaction action {};
    action.sa_sigaction = on_sigprof;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGPROF, &action, nullptr) != 0) return -1;
    perf_event_attr attr{};
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_TASK_CLOCK;
    attr.sample_period = interval_ns;
    attr.disabled = 1;
    const int fd = static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC));
    if (fd < 0) return -1;
    f_owner_ex owner{F_OWNER_TID, static_cast<pid_t>(syscall(SYS_gettid))};
    if (fcntl(fd, F_SETOWN_EX, &owner) != 0 || fcntl(fd, F_SETSIG, SIGPROF) != 0 ||
        fcntl(fd, F_SETFL, O_ASYNC) != 0 || ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string name = arg_value(argc, argv, "workload", "compute");
    const wl::Workload* workload = wl::find(name.c_str());
    if (!workload) {
        std::fprintf(stderr, "workloads-native: unknown workload '%s'\n", name.c_str());
        return 2;
    }
    const int cpu = static_cast<int>(arg_u64(argc, argv, "cpu", 0));
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        std::fprintf(stderr, "workloads-native: cannot pin to CPU %d: %s\n", cpu, std::strerror(errno));
        return 2;
    }
    wl::Params params;
    params.scale = arg_u64(argc, argv, "scale", 10);
    std::vector<uint8_t> buffer;
    if (name == "memsweep") {
        params.working_set = arg_u64(argc, argv, "ws", 1024) << 10;
        buffer.resize(params.working_set);
        params.buffer = buffer.data();
        params.buffer_bytes = buffer.size();
    }
    const uint64_t period = arg_u64(argc, argv, "period", 0);
    const uint64_t tsc_khz = arg_u64(argc, argv, "tsc_khz", 0);
    int timer = -1;
    const bool profiling = period != 0;
    if (profiling) {
        if (tsc_khz == 0) {
            std::fprintf(stderr, "workloads-native: period= needs tsc_khz= (cycles are TSC-scaled CPU time)\n");
            return 2;
        }
        g_samples.assign(1u << 20, 0);
        timer = start_profiling(period * 1000000 / tsc_khz);
        if (timer < 0) {
            std::fprintf(stderr, "workloads-native: cannot open a task-clock perf event: %s\n", std::strerror(errno));
            return 2;
        }
    }
    const int64_t cpu0 = ns_of(CLOCK_THREAD_CPUTIME_ID), t0 = ns_of(CLOCK_MONOTONIC);
    const uint64_t checksum = workload->run(params);
    const int64_t t1 = ns_of(CLOCK_MONOTONIC), cpu1 = ns_of(CLOCK_THREAD_CPUTIME_ID);
    uint64_t taken = 0, stored = 0;
    if (profiling) {
        ioctl(timer, PERF_EVENT_IOC_DISABLE, 0);
        close(timer);
        taken = static_cast<uint64_t>(g_taken);
        stored = taken < g_samples.size() ? taken : g_samples.size();
        std::vector<uint8_t> scratch(prof::kReportScratchBytes);
        const prof::ReportInfo info{"task-clock", period, taken, taken - stored,
                                    static_cast<size_t>(arg_u64(argc, argv, "top", 15))};
        if (!prof::report(print, info, g_samples.data(), stored, scratch.data())) return 1;
    }
    std::printf("RESULT {\"workload\":\"%s\",\"scale\":%llu,\"ws_kib\":%llu,\"checksum\":%llu,\"ns\":%lld,"
                "\"cpu_ns\":%lld,\"period\":%llu,\"samples\":%llu,\"lost\":%llu,\"cpu\":%d}\n",
                name.c_str(), static_cast<unsigned long long>(params.scale),
                static_cast<unsigned long long>(params.working_set >> 10),
                static_cast<unsigned long long>(checksum), static_cast<long long>(t1 - t0),
                static_cast<long long>(cpu1 - cpu0), static_cast<unsigned long long>(period),
                static_cast<unsigned long long>(taken), static_cast<unsigned long long>(taken - stored), cpu);
    return 0;
}
