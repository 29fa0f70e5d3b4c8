// What the VMM did, counted per vCPU and merged per VM (STYLE.md habit 7):
// exits per kind with the time spent in the VMM handling them, the time in
// KVM_RUN, port and MSR breakdowns, and the events that have no handler yet.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <variant>

#include "kvm/exit.h"
#include "vmm/pmi.h"

namespace vpmu::vmm {

struct ExitKindStats {
    std::uint64_t count = 0;
    std::uint64_t vmm_ns = 0;  // handling time, from KVM_RUN's return to dispatch's end
    std::uint64_t max_ns = 0;
};

struct MsrStats {
    std::uint64_t reads = 0, writes = 0, faults = 0;
};

struct ExitStats {
    std::array<ExitKindStats, std::variant_size_v<kvm::VcpuExit>> kinds{};
    std::uint64_t run_ns = 0;  // inside KVM_RUN: guest time plus in-kernel exits
    std::map<std::uint16_t, std::uint64_t> io_ports;  // accesses per port
    std::map<std::uint32_t, MsrStats> msrs;           // per MSR index
    std::uint64_t unclaimed_io = 0;   // port accesses no device claimed
    std::uint64_t non_pmu_msr = 0;    // MSR exits outside the PMU ranges (#GP)
    PmiStats pmi;
    std::uint64_t rdpmc = 0, rdpmc_faults = 0;  // RDPMC exits (kvm-patches hosts only)
    std::uint64_t counters_refused = 0;  // counter starts the backend refused (the counter stays stopped)
    std::string refused_reason;          // the backend's reason for the last one
    std::uint64_t ticks = 0;             // --tick-hz timer expiries (each one an interrupted exit)

    void record_exit(std::size_t kind, std::uint64_t vmm_ns);
    void merge(const ExitStats& other);
    std::uint64_t total_exits() const;
};

// The --stats report: one table, indented lines, for a human.
std::string format_exit_stats(const ExitStats& stats);

}  // namespace vpmu::vmm
