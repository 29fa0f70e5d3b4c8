// struct kvm_cpuid2 as the kernel lays it out, for C++.
//
// Linux 6.1's UAPI headers declare kvm_cpuid2's entries with
// __DECLARE_FLEX_ARRAY, which in C++ adds an empty struct member of size 1:
// sizeof(kvm_cpuid2) becomes 12 instead of 8, so both the ioctl numbers
// KVM_GET_SUPPORTED_CPUID / KVM_SET_CPUID2 (which encode the size) and the
// offset of the entries are wrong when used from C++ (EINVAL). We build the
// buffer and the ioctl numbers from a header struct of the kernel's layout.
#pragma once

#include <linux/kvm.h>

#include <cstddef>
#include <cstring>
#include <span>
#include <vector>

namespace vpmu::kvm {

struct CpuidHeader {
    __u32 nent;
    __u32 padding;
};
static_assert(sizeof(CpuidHeader) == 8);

inline constexpr unsigned long kGetSupportedCpuid = _IOWR(KVMIO, 0x05, CpuidHeader);
inline constexpr unsigned long kSetCpuid2 = _IOW(KVMIO, 0x90, CpuidHeader);

// A kvm_cpuid2 with room for `capacity` entries.
class CpuidBuffer {
public:
    explicit CpuidBuffer(std::size_t capacity)
        : bytes_(sizeof(CpuidHeader) + capacity * sizeof(kvm_cpuid_entry2)) {
        set_count(capacity);
    }
    explicit CpuidBuffer(std::span<const kvm_cpuid_entry2> entries) : CpuidBuffer(entries.size()) {
        std::memcpy(bytes_.data() + sizeof(CpuidHeader), entries.data(), entries.size_bytes());
    }

    void* data() { return bytes_.data(); }

    std::size_t count() const {
        CpuidHeader h;
        std::memcpy(&h, bytes_.data(), sizeof h);
        return h.nent;
    }
    std::vector<kvm_cpuid_entry2> entries() const {
        std::vector<kvm_cpuid_entry2> out(count());
        std::memcpy(out.data(), bytes_.data() + sizeof(CpuidHeader), out.size() * sizeof(kvm_cpuid_entry2));
        return out;
    }

private:
    void set_count(std::size_t n) {
        const CpuidHeader h{static_cast<__u32>(n), 0};
        std::memcpy(bytes_.data(), &h, sizeof h);
    }
    // 8-byte aligned, as the kernel's struct is.
    std::vector<std::byte> bytes_;
};

}  // namespace vpmu::kvm
