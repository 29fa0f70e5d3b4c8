#include <cstdio>

#include "cli/commands.h"
#include "devices/vm_stop.h"
#include "kvm/kvm_system.h"
#include "vmm/host_probe.h"
#include "vpmu/backends.h"
#include "vpmu/describe.h"

namespace vpmu::cli {

namespace {

// The time backend scales to the guest TSC; without /dev/kvm it stays 0 and
// a backend that needs it says so.
std::uint32_t guest_tsc_khz() {
    auto kvm = kvm::KvmSystem::open();
    if (!kvm) return 0;
    auto khz = vmm::probe_guest_tsc_khz(*kvm);
    return khz ? *khz : 0;
}

}  // namespace

int info_command(const InfoOptions& o) {
    auto backend = make_backend(o.backend, BackendOptions{guest_tsc_khz()});
    if (!backend) {
        std::fprintf(stderr, "vpmu info: --backend %s: %s\n",
                     std::string(backend_kind_name(o.backend)).c_str(),
                     backend.error().message.c_str());
        return dev::kStatusBadUsage;
    }
    const std::uint32_t unavailable = o.pmu.enabled ? (*backend)->unavailable_events() : 0;
    const std::string text =
        o.json ? describe_pmu_json(o.pmu, unavailable) : describe_pmu(o.pmu, unavailable);
    std::fputs(text.c_str(), stdout);
    if (!text.empty() && text.back() != '\n') std::fputc('\n', stdout);
    return 0;
}

}  // namespace vpmu::cli
