// Everything one VM needs to know, decided by the command line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vpmu/backends.h"
#include "vpmu/config.h"
#include "vpmu/pmc_pool.h"

namespace vpmu::vmm {

struct VmConfig {
    std::string name = "vm0";       // in messages and console prefixes
    std::uint64_t mem_bytes = 64ull << 20;
    unsigned vcpus = 1;
    std::vector<std::optional<int>> pin_cpus;  // per vCPU; empty or nullopt: not pinned
    // Per vCPU: the physical-PMC pool of its host CPU (shared with the other
    // VMs there, owned by the caller, outliving the VM); empty or null: the
    // vCPU's counters use host events directly, without a slot limit.
    std::vector<PmcPool*> pools;
    PmuConfig pmu;
    BackendKind backend = BackendKind::automatic;
    std::uint32_t tick_hz = 0;            // --tick-hz: bare timer stops per second of vCPU time (0: none)
    std::uint32_t max_pmi_rate = 100000;  // PMIs per second per vCPU; 0: no limit (perf's default max sample rate)
    std::string cmdline;            // the guest's command line (hvm_start_info)
    std::uint64_t vm_uid = 0;       // the sync events' vm_uid (vmm/guest_trace.h)
    std::string guest_trace_dir;    // --trace: this VM's guest trace; empty: none written
};

}  // namespace vpmu::vmm
