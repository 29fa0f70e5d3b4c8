// The command line of `vpmu run` and `vpmu info` (DESIGN.md, command line
// contract), parsed into values. Parsing never exits: a usage error is a
// value that main turns into status 125.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "vpmu/backends.h"
#include "vpmu/config.h"
#include "vpmu/result.h"
#include "vmm/tick_timer.h"

namespace vpmu::cli {

struct RunOptions {
    std::string guest;                     // GUEST.elf
    std::vector<std::string> guest_args;   // after "--": the guest's command line
    PmuConfig pmu;                         // --pmu (default: PmuConfig{})
    BackendKind backend = BackendKind::automatic;
    std::optional<unsigned> pool;          // --pool: physical counter slots per host CPU
    std::uint32_t max_pmi_rate = 100000;   // --max-pmi-rate: PMIs per second per vCPU, 0 = no limit
    std::uint64_t mem_mib = 64;
    unsigned vcpus = 1;
    std::optional<double> timeout_seconds;  // none: run until the guest ends
    std::string console;                   // empty: stdout
    std::string trace_dir;                 // accepted now, used by the trace work
    std::vector<int> pin_cpus;             // --pin: host CPUs, one per vCPU, reused round robin
    unsigned vms = 1;                      // --vms: copies of the guest, one VM each
    bool stats = false;
    std::string json;                      // --json FILE: the --stats figures, machine-readable
    std::uint32_t tick_hz = 0;             // --tick-hz: bare timer stops per second of vCPU time

    std::string cmdline() const;  // guest_args joined by spaces
};

struct InfoOptions {
    PmuConfig pmu;
    BackendKind backend = BackendKind::automatic;
    bool json = false;
};

// --help was given: print the text, exit 0.
struct HelpRequested {
    std::string text;
};

inline constexpr std::uint64_t kMaxMemMib = 3072;  // guest RAM stays below the 4 GiB MMIO hole
inline constexpr unsigned kMaxVcpus = 64;
inline constexpr unsigned kMaxVms = 64;

Result<std::variant<RunOptions, HelpRequested>> parse_run_options(std::span<const std::string> args);
Result<std::variant<InfoOptions, HelpRequested>> parse_info_options(std::span<const std::string> args);

std::string main_usage();
std::string run_usage();
std::string info_usage();

}  // namespace vpmu::cli
