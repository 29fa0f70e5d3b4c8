#include "kvm/kvm_system.h"

#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include "kvm/cpuid_buffer.h"
#include "kvm/ioctl.h"

namespace vpmu::kvm {

namespace {
constexpr int kStableApiVersion = 12;
// More entries than any current host reports (~80 here); KVM answers E2BIG
// when the buffer is too small, so we grow and retry.
constexpr unsigned kInitialCpuidEntries = 128;
constexpr unsigned kMaxCpuidEntries = 4096;
}  // namespace

Result<KvmSystem> KvmSystem::open(const std::string& path) {
    Fd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd.valid()) {
        const int err = errno;
        return make_error("cannot open " + path + ": " + std::strerror(err));
    }
    auto version = checked_ioctl(fd.get(), KVM_GET_API_VERSION, "KVM_GET_API_VERSION", 0);
    if (!version) return version.error();
    if (*version != kStableApiVersion) {
        return make_error("KVM_GET_API_VERSION returned " + std::to_string(*version) +
                          ", expected " + std::to_string(kStableApiVersion));
    }
    return KvmSystem(std::move(fd));
}

Result<int> KvmSystem::check_extension(int capability) const {
    return checked_ioctl(fd_.get(), KVM_CHECK_EXTENSION, "KVM_CHECK_EXTENSION", capability);
}

Result<std::vector<kvm_cpuid_entry2>> KvmSystem::supported_cpuid() const {
    for (unsigned capacity = kInitialCpuidEntries; capacity <= kMaxCpuidEntries; capacity *= 2) {
        CpuidBuffer buffer(capacity);
        if (::ioctl(fd_.get(), kGetSupportedCpuid, buffer.data()) == 0) return buffer.entries();
        if (errno != E2BIG) return ioctl_error("KVM_GET_SUPPORTED_CPUID", errno);
    }
    return make_error("KVM_GET_SUPPORTED_CPUID: more than " +
                      std::to_string(kMaxCpuidEntries) + " entries");
}

Result<std::size_t> KvmSystem::vcpu_mmap_size() const {
    auto size = checked_ioctl(fd_.get(), KVM_GET_VCPU_MMAP_SIZE, "KVM_GET_VCPU_MMAP_SIZE", 0);
    if (!size) return size.error();
    return static_cast<std::size_t>(*size);
}

Result<Vm> KvmSystem::create_vm() const {
    auto vm_fd = checked_ioctl(fd_.get(), KVM_CREATE_VM, "KVM_CREATE_VM", 0);
    if (!vm_fd) return vm_fd.error();
    auto mmap_size = vcpu_mmap_size();
    if (!mmap_size) return mmap_size.error();
    return Vm(Fd(*vm_fd), *mmap_size);
}

}  // namespace vpmu::kvm
