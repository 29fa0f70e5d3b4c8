#include <cstdio>

#include "cli/commands.h"
#include "devices/vm_stop.h"
#include "kvm/kvm_system.h"
#include "vmm/host_probe.h"
#include "vpmu/backends.h"
#include "vpmu/describe.h"
#include "vpmu_kvm_rdpmc.h"

namespace vpmu::cli {

namespace {

struct HostFacts {
    std::uint32_t tsc_khz = 0;  // the time backend scales to it; 0 without /dev/kvm
    bool kvm = false;
    bool rdpmc_exits = false;   // KVM_CAP_X86_USER_SPACE_RDPMC (kvm-patches/)
};

HostFacts probe_host() {
    HostFacts facts;
    auto kvm = kvm::KvmSystem::open();
    if (!kvm) return facts;
    facts.kvm = true;
    if (auto khz = vmm::probe_guest_tsc_khz(*kvm)) facts.tsc_khz = *khz;
    auto rdpmc = kvm->check_extension(static_cast<int>(kvm_rdpmc::kCapUserSpaceRdpmc));
    facts.rdpmc_exits = rdpmc && *rdpmc > 0;
    return facts;
}

std::string host_text(const HostFacts& h, BackendKind backend) {
    if (!h.kvm) return "host: no /dev/kvm\n";
    return "host: backend " + std::string(backend_kind_name(backend)) + ", guest TSC " + std::to_string(h.tsc_khz) +
           " kHz; guest RDPMC " +
           (h.rdpmc_exits ? "served by the virtual PMU (KVM_CAP_X86_USER_SPACE_RDPMC)\n"
                          : "raises #GP (host KVM lacks KVM_CAP_X86_USER_SPACE_RDPMC, kvm-patches/): "
                            "read counters with RDMSR\n");
}

}  // namespace

int info_command(const InfoOptions& o) {
    const HostFacts host = probe_host();
    auto backend = make_backend(o.backend, BackendOptions{host.tsc_khz});
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
    if (!o.json) std::fputs(host_text(host, o.backend).c_str(), stdout);
    return 0;
}

}  // namespace vpmu::cli
