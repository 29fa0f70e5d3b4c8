// Everything one VM needs to know, decided by the command line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vpmu/backends.h"
#include "vpmu/config.h"

namespace vpmu::vmm {

struct VmConfig {
    std::string name = "vm0";       // in messages and console prefixes
    std::uint64_t mem_bytes = 64ull << 20;
    unsigned vcpus = 1;
    std::vector<std::optional<int>> pin_cpus;  // per vCPU; empty or nullopt: not pinned
    PmuConfig pmu;
    BackendKind backend = BackendKind::automatic;
    std::string cmdline;            // the guest's command line (hvm_start_info)
};

}  // namespace vpmu::vmm
