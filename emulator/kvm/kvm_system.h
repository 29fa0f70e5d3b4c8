// /dev/kvm: capability queries, the host's supported CPUID, VM creation.
// A thin wrapper (rust-vmm's kvm-ioctls `Kvm`): ioctls only, no policy.
#pragma once

#include <linux/kvm.h>

#include <cstddef>
#include <string>
#include <vector>

#include "kvm/fd.h"
#include "kvm/vm.h"
#include "vpmu/result.h"

namespace vpmu::kvm {

class KvmSystem {
public:
    static constexpr const char* kDefaultPath = "/dev/kvm";

    // Opens the device and checks KVM_GET_API_VERSION is the stable 12.
    static Result<KvmSystem> open(const std::string& path = kDefaultPath);

    // KVM_CHECK_EXTENSION: 0 when absent, otherwise a capability-specific value.
    Result<int> check_extension(int capability) const;

    // KVM_GET_SUPPORTED_CPUID: the leaves KVM can present to a guest here.
    Result<std::vector<kvm_cpuid_entry2>> supported_cpuid() const;

    // KVM_GET_VCPU_MMAP_SIZE: the size of each vCPU's shared kvm_run area.
    Result<std::size_t> vcpu_mmap_size() const;

    Result<Vm> create_vm() const;

    int fd() const { return fd_.get(); }

private:
    explicit KvmSystem(Fd fd) : fd_(std::move(fd)) {}
    Fd fd_;
};

}  // namespace vpmu::kvm
