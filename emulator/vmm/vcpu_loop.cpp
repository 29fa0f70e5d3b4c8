// The vCPU thread: per-vCPU setup that must happen on the thread that runs
// the vCPU (the counter backend counts the thread that opens it), then the
// run loop: check for a stop, deliver what is due before entry, KVM_RUN,
// dispatch the exit, count it. Errors end the VM with a reason; nothing is
// thrown across this thread.
#include <pthread.h>
#include <sched.h>

#include <bit>
#include <chrono>
#include <cstring>
#include <thread>

#include "boot/pvh.h"
#include "trace/tracepoints.h"
#include "vmm/exit_dispatch.h"
#include "vmm/exit_trace.h"
#include "vmm/guest_cpuid.h"
#include "vmm/pmi.h"
#include "vmm/single_step.h"
#include "vmm/tick_timer.h"
#include "vmm/vcpu_exits.h"
#include "vmm/virtual_machine.h"
#include "vpmu/backends.h"
#include "vpmu/pmc_pool.h"
#include "vpmu/precise_backend.h"
#include "vpmu/vpmu.h"

namespace vpmu::vmm {

namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t ns_between(Clock::time_point a, Clock::time_point b) {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count());
}

Result<void> pin_to_cpu(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (const int err = pthread_setaffinity_np(pthread_self(), sizeof set, &set); err != 0) {
        return make_error("cannot pin to host CPU " + std::to_string(cpu) + ": " + std::strerror(err));
    }
    return {};
}

// The counter_overflow tracepoint for each counter the model saw wrap
// since the last entry (on an MSR exit's fold or a backend overflow).
void trace_overflows(unsigned vcpu, Vpmu& vpmu) {
    std::uint64_t overflowed = vpmu.take_overflowed();
    while (overflowed != 0) {
        const auto counter = static_cast<std::uint32_t>(std::countr_zero(overflowed));
        overflowed &= overflowed - 1;
        trace::tp::counter_overflow(vcpu, counter, vpmu.global_status());
    }
}

// Before VM-entry (SysOptic 4.4): fold the overflows the backend signalled
// into the model and, if a PMI is due, deliver it through the LVTPC so the
// guest takes it before executing anything further. True when it did.
Result<bool> deliver_pmi_before_entry(kvm::Vm& vm, kvm::Vcpu& vcpu, Vpmu& vpmu, PmiRateLimit& limit,
                                      ExitStats& stats) {
    vpmu.collect_overflows();
    if (trace::enabled()) [[unlikely]] trace_overflows(vcpu.id(), vpmu);
    if (std::uint64_t refused = vpmu.take_failed_counters()) {
        stats.counters_refused += static_cast<std::uint64_t>(std::popcount(refused));
        stats.refused_reason = vpmu.last_backend_error().message;
    }
    if (!vpmu.take_pmi()) return false;
    if (const auto hold = limit.admit(Clock::now()); hold.count() > 0) {
        ++stats.pmi.throttled;
        stats.pmi.throttled_ns += static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(hold).count());
        std::this_thread::sleep_for(hold);
    }
    auto delivered = deliver_pmi(vm, vcpu, stats.pmi, vpmu.global_status());
    if (!delivered) return delivered.error();
    if (*delivered) vpmu.on_pmi_delivered();
    return *delivered;
}

// CPUID for this vCPU, and the model configured from the very leaf 0AH the
// guest will read (so the backend's unavailable events agree in both).
Result<void> configure_cpuid(kvm::Vcpu& vcpu, Vpmu& vpmu, const CounterBackend& backend,
                             const PmuConfig& pmu, const std::vector<kvm_cpuid_entry2>& supported) {
    auto table = build_guest_cpuid(supported, pmu, backend.unavailable_events(), vcpu.id());
    if (!table) return table.error();
    if (pmu.enabled) {
        const kvm_cpuid_entry2* e = find_cpuid(*table, kCpuidPerfmonLeaf);
        const CpuidLeaf leaf{e->eax, e->ebx, e->ecx, e->edx};
        if (auto ok = vpmu.configure_from_cpuid(leaf, pmu.full_width_writes); !ok) {
            return make_error("the model rejects the CPUID leaf 0AH it produced: " +
                              ok.error().message);
        }
    }
    return vcpu.set_cpuid(*table);
}

Result<void> enter_pvh(kvm::Vcpu& vcpu, std::uint32_t entry, Gpa start_info) {
    auto sregs = vcpu.get_sregs();
    if (!sregs) return sregs.error();
    kvm_regs regs{};
    set_pvh_entry_state(regs, *sregs, entry, start_info);
    if (auto ok = vcpu.set_sregs(*sregs); !ok) return ok;
    return vcpu.set_regs(regs);
}

std::string rip_text(const kvm::Vcpu& vcpu) {
    auto regs = vcpu.get_regs();
    return regs ? to_hex(regs->rip) : std::string("unknown (") + regs.error().message + ")";
}

}  // namespace

void VirtualMachine::vcpu_thread(VcpuSlot& slot) {
    set_kickable(slot, true);
    std::optional<dev::VmOutcome> failure = run_vcpu(slot);
    if (failure) {
        const bool first = stop_.request(std::move(*failure));
        if (first) failed_in_vcpu_ = true;
    } else if (auto regs = slot.vcpu.get_regs()) {
        slot.stop_rip = regs->rip;
    }
    set_kickable(slot, false);
    vcpu_finished();
}

std::optional<dev::VmOutcome> VirtualMachine::run_vcpu(VcpuSlot& slot) {
    kvm::Vcpu& vcpu = slot.vcpu;
    trace::bind_thread(static_cast<int>(vcpu.id()));  // this thread's host-trace stream is this vCPU's
    const std::string who = config_.name + " vcpu" + std::to_string(vcpu.id()) + ": ";
    const auto& pins = config_.pin_cpus;
    if (vcpu.id() < pins.size() && pins[vcpu.id()]) {
        if (auto ok = pin_to_cpu(*pins[vcpu.id()]); !ok) {
            return dev::VmOutcome::failure(who + ok.error().message);
        }
    }
    auto backend = make_backend(config_.backend, BackendOptions{tsc_khz_});
    if (!backend) {
        return dev::VmOutcome{dev::kStatusBadUsage, who + "counter backend '" +
                                                        std::string(backend_kind_name(config_.backend)) +
                                                        "': " + backend.error().message};
    }
    // With a pool, the model counts through this vCPU's client of it.
    std::unique_ptr<CounterBackend> pool_client;
    PmcPool* pool = vcpu.id() < config_.pools.size() ? config_.pools[vcpu.id()] : nullptr;
    if (pool) pool_client = pool->attach(**backend, {}, vcpu.id());
    CounterBackend& counters = pool_client ? *pool_client : **backend;
    Vpmu vpmu(counters);
    if (auto ok = configure_cpuid(vcpu, vpmu, counters, config_.pmu, supported_cpuid_); !ok) {
        return dev::VmOutcome::failure(who + ok.error().message);
    }
    // PVH starts the boot vCPU only; the others wait in the in-kernel local
    // APIC for INIT/SIPI from the guest, inside KVM_RUN.
    if (vcpu.id() == 0) {
        if (auto ok = enter_pvh(vcpu, boot_entry_, start_info_); !ok) {
            return dev::VmOutcome::failure(who + ok.error().message);
        }
    }

    // --tick-hz: the bare-stop floor, on this thread's CPU time.
    std::optional<TickTimer> tick;
    if (config_.tick_hz) {
        auto timer = TickTimer::start(config_.tick_hz, kKickSignal);
        if (!timer) return dev::VmOutcome::failure(who + timer.error().message);
        tick.emplace(std::move(*timer));
    }

    VcpuExitHandler handler(bus_, vpmu, vcpu.id(), slot.stats);
    PmiRateLimit pmi_limit(config_.max_pmi_rate);
    std::optional<SingleStepper> stepper;
    if (auto* precise = dynamic_cast<PreciseBackend*>(backend->get())) stepper.emplace(vcpu, memory_, *precise);
    std::optional<Clock::time_point> last_exit;
    while (!stop_.requested()) {
        auto pmi = deliver_pmi_before_entry(vm_, vcpu, vpmu, pmi_limit, slot.stats);
        if (!pmi) return dev::VmOutcome::failure(who + "PMI delivery: " + pmi.error().message);
        if (stepper) {
            if (auto ok = stepper->before_entry(); !ok) {
                return dev::VmOutcome::failure(who + "single-step: " + ok.error().message);
            }
        }
        const auto entered = Clock::now();
        if (*pmi && last_exit) slot.stats.pmi.record_injection(ns_between(*last_exit, entered));
        // vmsync_hg_host after vpmu_vcpu_entry: the host→guest bound then
        // never places guest events before the entry (trace/analysis.h).
        trace::tp::vcpu_entry(vcpu.id());
        tracer_.before_entry(vcpu.id());
        auto exit = vcpu.run();
        const auto exited = Clock::now();
        if (trace::enabled() && exit) [[unlikely]] {
            const ExitTraceFields fields = exit_trace_fields(*exit);
            trace::tp::vcpu_exit(vcpu.id(), fields.reason, fields.info);
        }
        last_exit = exited;
        slot.stats.run_ns += ns_between(entered, exited);
        if (!exit) {
            return dev::VmOutcome::failure(who + exit.error().message + " at rip=" + rip_text(vcpu));
        }
        if (std::holds_alternative<kvm::InterruptedExit>(*exit)) vcpu.set_immediate_exit(false);
        if (const auto* debug = std::get_if<kvm::DebugExit>(&*exit); debug && stepper && stepper->on_debug_exit(*debug)) {
            slot.stats.record_exit(exit->index(), ns_between(exited, Clock::now()));
            continue;
        }
        ExitAction action = dispatch_exit(*exit, handler);
        slot.stats.record_exit(exit->index(), ns_between(exited, Clock::now()));
        if (auto* fail = std::get_if<Fail>(&action)) {
            return dev::VmOutcome::failure(who + fail->reason + " at rip=" + rip_text(vcpu));
        }
    }
    if (tick) slot.stats.ticks = tick->ticks();
    return std::nullopt;
}

}  // namespace vpmu::vmm
