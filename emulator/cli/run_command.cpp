#include <cstdio>
#include <map>
#include <memory>

#include "boot/elf_image.h"
#include "boot/pvh.h"
#include "cli/commands.h"
#include "cli/run_trace.h"
#include "cli/run_json.h"
#include "devices/console.h"
#include "devices/vm_stop.h"
#include "kvm/kvm_system.h"
#include "vmm/supervisor.h"
#include "vmm/virtual_machine.h"

namespace vpmu::cli {

namespace {

int fail(int status, const std::string& reason) {
    std::fprintf(stderr, "vpmu run: %s\n", reason.c_str());
    return status;
}

Result<std::unique_ptr<dev::ConsoleOutput>> open_console(const RunOptions& o, unsigned vm) {
    const std::string index = std::to_string(vm);
    if (o.console.empty()) {
        const std::string prefix = o.vms > 1 ? "[vm" + index + "] " : "";
        return std::unique_ptr<dev::ConsoleOutput>(
            std::make_unique<dev::FdConsole>(dev::FdConsole::standard_output(prefix)));
    }
    const std::string path = o.vms > 1 ? o.console + ".vm" + index : o.console;
    auto file = dev::FdConsole::open_file(path, "");
    if (!file) return file.error();
    return std::unique_ptr<dev::ConsoleOutput>(std::make_unique<dev::FdConsole>(std::move(*file)));
}

// One physical-PMC pool per host CPU that vCPUs are pinned to, and one
// for the unpinned vCPUs: the VMs pinned to a CPU share its slots.
class PoolSet {
public:
    explicit PoolSet(std::optional<unsigned> slots) : slots_(slots) {}
    PmcPool* pool_for(std::optional<int> cpu) {
        if (!slots_) return nullptr;
        auto& pool = pools_[cpu.value_or(-1)];
        if (!pool) pool = std::make_unique<PmcPool>(PmcPool::Options{*slots_});
        return pool.get();
    }
    void print_stats() const {
        for (const auto& [cpu, pool] : pools_) {
            const PmcPool::Stats s = pool->stats();
            std::fprintf(stderr, "vpmu stats: pool %s (%u slots): %llu binds, %llu releases, %llu rotations, "
                                 "%llu bind failures\n",
                         cpu < 0 ? "unpinned" : ("cpu" + std::to_string(cpu)).c_str(), pool->slots(),
                         static_cast<unsigned long long>(s.binds), static_cast<unsigned long long>(s.releases),
                         static_cast<unsigned long long>(s.rotations),
                         static_cast<unsigned long long>(s.bind_failures));
        }
    }

    std::vector<PoolReport> reports() const {
        std::vector<PoolReport> out;
        for (const auto& [cpu, pool] : pools_) out.push_back(PoolReport{cpu, pool->slots(), pool->stats()});
        return out;
    }

private:
    std::optional<unsigned> slots_;
    std::map<int, std::unique_ptr<PmcPool>> pools_;
};

vmm::VmConfig vm_config(const RunOptions& o, unsigned vm, PoolSet& pools, const RunTrace& tracing) {
    vmm::VmConfig c;
    c.name = "vm" + std::to_string(vm);
    c.mem_bytes = o.mem_mib << 20;
    c.vcpus = o.vcpus;
    c.pmu = o.pmu;
    c.backend = o.backend;
    c.max_pmi_rate = o.max_pmi_rate;
    c.tick_hz = o.tick_hz;
    c.cmdline = o.cmdline();
    c.vm_uid = vmm::make_vm_uid(vm);
    c.guest_trace_dir = tracing.guest_dir(vm);
    // --pin lists host CPUs for the vCPU threads of all VMs in order.
    if (!o.pin_cpus.empty()) {
        for (unsigned i = 0; i < o.vcpus; ++i) {
            const std::size_t global = std::size_t{vm} * o.vcpus + i;
            c.pin_cpus.emplace_back(o.pin_cpus[global % o.pin_cpus.size()]);
        }
    }
    for (unsigned i = 0; i < o.vcpus; ++i) {
        c.pools.push_back(pools.pool_for(i < c.pin_cpus.size() ? c.pin_cpus[i] : std::nullopt));
    }
    return c;
}

void print_stats(const std::vector<vmm::VmReport>& reports) {
    for (const vmm::VmReport& r : reports) {
        std::fprintf(stderr, "vpmu stats: %s, %.3f s, status %d\n%s", r.name.c_str(), r.seconds,
                     r.outcome.status, vmm::format_exit_stats(r.stats).c_str());
        std::string calls;
        for (const auto& c : r.hypercalls) calls += " " + c.name + "=" + std::to_string(c.calls);
        std::fprintf(stderr, "  hypercalls:%s\n", calls.c_str());
    }
}

}  // namespace

int run_command(const RunOptions& o) {
    if (o.cmdline().size() + 1 > vmm::kMaxCmdline) {
        return fail(dev::kStatusBadUsage, "the guest command line is " +
                                              std::to_string(o.cmdline().size()) + " bytes; at most " +
                                              std::to_string(vmm::kMaxCmdline - 1) + " fit");
    }
    const vmm::ImageLimits limits{o.mem_mib << 20, vmm::kBootGdt, vmm::kBootDataEnd};
    auto image = vmm::read_guest_image(o.guest, limits);
    if (!image) return fail(dev::kStatusImageRejected, image.error().message);

    std::vector<std::unique_ptr<dev::ConsoleOutput>> consoles;
    for (unsigned k = 0; k < o.vms; ++k) {
        auto console = open_console(o, k);
        if (!console) return fail(dev::kStatusBadUsage, console.error().message);
        consoles.push_back(std::move(*console));
    }
    // Before any vCPU thread exists, so they all inherit the blocked mask.
    auto signals = vmm::TerminationSignals::block();
    if (!signals) return fail(dev::kStatusVmFailed, signals.error().message);
    auto kvm = kvm::KvmSystem::open();
    if (!kvm) return fail(dev::kStatusVmFailed, kvm.error().message);

    // Before the pools (their rotation threads trace) and the vCPU threads.
    auto tracing = RunTrace::start(o.trace_dir, o.vms);
    if (!tracing) return fail(dev::kStatusBadUsage, tracing.error().message);
    PoolSet pools(o.pool);  // outlives the VMs, whose vCPUs attach to it
    std::vector<std::unique_ptr<vmm::VirtualMachine>> vms;
    for (unsigned k = 0; k < o.vms; ++k) {
        auto vm = vmm::VirtualMachine::create(*kvm, vm_config(o, k, pools, *tracing), *image, std::move(consoles[k]));
        if (!vm) return fail(dev::kStatusVmFailed, "vm" + std::to_string(k) + ": " + vm.error().message);
        vms.push_back(std::move(*vm));
    }
    const bool rdpmc_exits = vms.front()->rdpmc_exits();
    for (auto& vm : vms) {
        // A VM that cannot start has stopped itself with the reason.
        (void)vm->start();
    }
    std::optional<std::chrono::duration<double>> timeout;
    if (o.timeout_seconds) timeout = std::chrono::duration<double>(*o.timeout_seconds);
    const auto reports = vmm::supervise(vms, timeout, signals->get());
    const bool traced = tracing->finish(reports);

    int status = 0;
    for (const vmm::VmReport& r : reports) {
        if (!r.outcome.is_guest_exit()) std::fprintf(stderr, "vpmu run: %s\n", r.outcome.reason.c_str());
        if (status == 0) status = r.outcome.status;
        // Counters the host would not back did not count: say so, whatever the status.
        if (r.stats.counters_refused) {
            std::fprintf(stderr, "vpmu run: %s: %llu counter starts refused, those counters did not count (%s)\n",
                         r.name.c_str(), static_cast<unsigned long long>(r.stats.counters_refused),
                         r.stats.refused_reason.c_str());
        }
    }
    if (!o.json.empty()) {
        if (auto ok = write_text_file(o.json, run_report_json(reports, pools.reports())); !ok) {
            std::fprintf(stderr, "vpmu run: --json %s\n", ok.error().message.c_str());
            if (status == 0) status = dev::kStatusBadUsage;
        }
    }
    if (o.stats) {
        print_stats(reports);
        pools.print_stats();
        std::fprintf(stderr, "vpmu stats: guest RDPMC %s\n",
                     rdpmc_exits ? "served by the virtual PMU (KVM_CAP_X86_USER_SPACE_RDPMC)"
                                 : "raises #GP: host KVM lacks KVM_CAP_X86_USER_SPACE_RDPMC (kvm-patches/); "
                                   "guests read counters with RDMSR");
    }
    if (!traced && status == 0) status = dev::kStatusVmFailed;
    return status;
}

}  // namespace vpmu::cli
