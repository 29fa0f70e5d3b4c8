#include "vmm/exit_stats.h"

#include <algorithm>
#include <cstdio>

#include "vmm/exit_dispatch.h"

namespace vpmu::vmm {

void ExitStats::record_exit(std::size_t kind, std::uint64_t ns) {
    ExitKindStats& k = kinds[kind];
    ++k.count;
    k.vmm_ns += ns;
    k.max_ns = std::max(k.max_ns, ns);
}

void ExitStats::merge(const ExitStats& other) {
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        kinds[i].count += other.kinds[i].count;
        kinds[i].vmm_ns += other.kinds[i].vmm_ns;
        kinds[i].max_ns = std::max(kinds[i].max_ns, other.kinds[i].max_ns);
    }
    run_ns += other.run_ns;
    for (const auto& [port, n] : other.io_ports) io_ports[port] += n;
    for (const auto& [index, m] : other.msrs) {
        MsrStats& mine = msrs[index];
        mine.reads += m.reads;
        mine.writes += m.writes;
        mine.faults += m.faults;
    }
    unclaimed_io += other.unclaimed_io;
    non_pmu_msr += other.non_pmu_msr;
    pmi.merge(other.pmi);
    rdpmc += other.rdpmc;
    rdpmc_faults += other.rdpmc_faults;
    counters_refused += other.counters_refused;
    if (!other.refused_reason.empty()) refused_reason = other.refused_reason;
    ticks += other.ticks;
}

std::uint64_t ExitStats::total_exits() const {
    std::uint64_t n = 0;
    for (const ExitKindStats& k : kinds) n += k.count;
    return n;
}

namespace {

void append(std::string& out, const char* format, auto... args) {
    char line[160];
    std::snprintf(line, sizeof line, format, args...);
    out += line;
}

double us(std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

}  // namespace

std::string format_exit_stats(const ExitStats& s) {
    std::string out;
    append(out, "  %-15s %10s %14s %10s %10s\n", "exit", "count", "vmm total us", "mean us",
           "max us");
    for (std::size_t i = 0; i < s.kinds.size(); ++i) {
        const ExitKindStats& k = s.kinds[i];
        if (k.count == 0) continue;
        append(out, "  %-15s %10llu %14.1f %10.2f %10.2f\n", exit_kind_name(i),
               static_cast<unsigned long long>(k.count), us(k.vmm_ns),
               us(k.vmm_ns) / static_cast<double>(k.count), us(k.max_ns));
    }
    append(out, "  in KVM_RUN: %.1f us over %llu exits\n", us(s.run_ns),
           static_cast<unsigned long long>(s.total_exits()));
    for (const auto& [port, n] : s.io_ports) {
        append(out, "  port 0x%04x: %llu accesses\n", port, static_cast<unsigned long long>(n));
    }
    for (const auto& [index, m] : s.msrs) {
        append(out, "  msr 0x%x: %llu reads, %llu writes, %llu #GP\n", index,
               static_cast<unsigned long long>(m.reads), static_cast<unsigned long long>(m.writes),
               static_cast<unsigned long long>(m.faults));
    }
    append(out, "  PMIs: %llu delivered (%llu NMI, %llu on a vector), %llu while LVTPC masked, "
           "%llu with an unusable LVTPC mode\n",
           static_cast<unsigned long long>(s.pmi.delivered()), static_cast<unsigned long long>(s.pmi.nmi),
           static_cast<unsigned long long>(s.pmi.vector), static_cast<unsigned long long>(s.pmi.masked),
           static_cast<unsigned long long>(s.pmi.unsupported));
    if (s.pmi.injected) {
        append(out, "  PMI injection in the VMM: mean %.2f us, max %.2f us (KVM_RUN return to re-entry)\n",
               us(s.pmi.inject_ns) / static_cast<double>(s.pmi.injected), us(s.pmi.inject_max_ns));
    }
    if (s.rdpmc) {
        append(out, "  RDPMC exits: %llu, %llu answered #GP\n", static_cast<unsigned long long>(s.rdpmc),
               static_cast<unsigned long long>(s.rdpmc_faults));
    }
    if (s.ticks) append(out, "  tick timer: %llu stops\n", static_cast<unsigned long long>(s.ticks));
    if (s.pmi.throttled) {
        append(out, "  PMI rate limit: %llu PMIs held back, %.1f us in all\n",
               static_cast<unsigned long long>(s.pmi.throttled), us(s.pmi.throttled_ns));
    }
    append(out, "  unclaimed port accesses: %llu, non-PMU MSR exits: %llu, counter starts refused: %llu\n",
           static_cast<unsigned long long>(s.unclaimed_io),
           static_cast<unsigned long long>(s.non_pmu_msr),
           static_cast<unsigned long long>(s.counters_refused));
    if (!s.refused_reason.empty()) out += "  last counter refusal: " + s.refused_reason + "\n";
    return out;
}

}  // namespace vpmu::vmm
