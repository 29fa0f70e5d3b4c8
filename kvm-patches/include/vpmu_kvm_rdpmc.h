// The userspace side of KVM_CAP_X86_USER_SPACE_RDPMC (kvm-patches/0003):
// the capability and exit numbers and the layout of kvm_run's `rdpmc` exit
// member exactly as the patched <linux/kvm.h> defines them, plus decoding
// and completing an RDPMC exit. No ioctl and no policy here: the VMM enables
// the capability and runs the vCPU; this header only reads and writes the
// kvm_run area.
//
// It compiles against Debian's unpatched linux-libc-dev 6.1 headers: the
// numbers fall back to the series' values, and the exit member is reached
// by its offset inside the exit union rather than by name. Against the
// patched header, the static_asserts below tie both to the uapi definitions
// (tests/kvm_patches builds one test against the header patched by 0003).
//
// Completion protocol (Documentation/virt/kvm/api.rst in 0003): on
// KVM_EXIT_X86_RDPMC, `index` holds the guest's ECX; before the next
// KVM_RUN userspace writes the counter value to `data` with `error` = 0
// (KVM loads EAX = data[31:0], EDX = data[63:32] and skips the instruction)
// or sets `error` = 1 (KVM injects #GP(0)). CR4.PCE/CPL are checked by KVM
// before it exits.
#pragma once

#include <linux/kvm.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>

#ifdef KVM_EXIT_X86_RDPMC
#define VPMU_KVM_PATCHED_UAPI 1  // <linux/kvm.h> carries the series
#else
#define VPMU_KVM_PATCHED_UAPI 0
#define KVM_EXIT_X86_RDPMC 38
#endif
#ifndef KVM_CAP_X86_USER_SPACE_RDPMC
#define KVM_CAP_X86_USER_SPACE_RDPMC 224
#endif

namespace vpmu::kvm_rdpmc {

// Next free numbers in Linux 6.1's uapi. Upstream later gave 224 to an s390
// capability and 38 to a LoongArch exit, so on an x86 host without the
// series KVM_CHECK_EXTENSION(224) returns 0 and exit 38 never occurs.
inline constexpr unsigned kCapUserSpaceRdpmc = KVM_CAP_X86_USER_SPACE_RDPMC;
inline constexpr std::uint32_t kExitX86Rdpmc = KVM_EXIT_X86_RDPMC;
static_assert(kCapUserSpaceRdpmc == 224, "KVM_CAP_X86_USER_SPACE_RDPMC differs from kvm-patches/0003");
static_assert(kExitX86Rdpmc == 38, "KVM_EXIT_X86_RDPMC differs from kvm-patches/0003");

// KVM_ENABLE_CAP args[0]: forward RDPMC to userspace (1) or let KVM answer (0).
inline constexpr std::uint64_t kEnable = 1;
inline constexpr std::uint64_t kDisable = 0;

// The `rdpmc` member of kvm_run's exit union:
//   struct { __u8 error; __u8 pad[3]; __u32 index; __u64 data; } rdpmc;
struct Layout {
    static constexpr std::size_t error = 0;  // u8, user -> kernel
    static constexpr std::size_t pad = 1;    // u8[3]
    static constexpr std::size_t index = 4;  // u32, kernel -> user
    static constexpr std::size_t data = 8;   // u64, user -> kernel
    static constexpr std::size_t size = 16;
};
// Where the exit union starts inside kvm_run (every exit member is at 0 in it).
inline constexpr std::size_t kExitUnionOffset = offsetof(kvm_run, hw);

#if VPMU_KVM_PATCHED_UAPI
static_assert(offsetof(kvm_run, rdpmc) == kExitUnionOffset);
static_assert(offsetof(kvm_run, rdpmc.error) == kExitUnionOffset + Layout::error);
static_assert(offsetof(kvm_run, rdpmc.pad) == kExitUnionOffset + Layout::pad);
static_assert(offsetof(kvm_run, rdpmc.index) == kExitUnionOffset + Layout::index);
static_assert(offsetof(kvm_run, rdpmc.data) == kExitUnionOffset + Layout::data);
static_assert(sizeof(kvm_run{}.rdpmc) == Layout::size);
#endif

// What ECX selects (Intel SDM Vol. 2B, RDPMC; KVM's intel_rdpmc_ecx_to_pmc):
// bit 30 picks the fixed-function counters, bit 31 asks for a 32-bit "fast"
// read on processors that have one, bits 29:0 number the counter. The VPMU
// decides which combinations exist and answers #GP for the others.
struct RdpmcIndex {
    std::uint32_t counter = 0;
    bool fixed = false;
    bool fast = false;
};

constexpr RdpmcIndex decode_ecx(std::uint32_t ecx) {
    return RdpmcIndex{ecx & 0x3fffffffu, ((ecx >> 30) & 1u) != 0, ((ecx >> 31) & 1u) != 0};
}

namespace detail {
inline unsigned char* member(kvm_run& run, std::size_t field) {
    return reinterpret_cast<unsigned char*>(&run) + kExitUnionOffset + field;
}
inline const unsigned char* member(const kvm_run& run, std::size_t field) {
    return reinterpret_cast<const unsigned char*>(&run) + kExitUnionOffset + field;
}
}  // namespace detail

// The guest's ECX if `run` holds an RDPMC exit, nothing otherwise.
inline std::optional<std::uint32_t> rdpmc_index(const kvm_run& run) {
    if (run.exit_reason != kExitX86Rdpmc) return std::nullopt;
    std::uint32_t index = 0;
    std::memcpy(&index, detail::member(run, Layout::index), sizeof index);
    return index;
}

// Answer the RDPMC with `value`: the guest gets EDX:EAX = value on the next KVM_RUN.
inline void complete_rdpmc(kvm_run& run, std::uint64_t value) {
    const std::uint8_t no_error = 0;
    std::memcpy(detail::member(run, Layout::error), &no_error, sizeof no_error);
    std::memcpy(detail::member(run, Layout::data), &value, sizeof value);
}

// Refuse the RDPMC: KVM injects #GP(0) on the next KVM_RUN, EDX:EAX unchanged.
inline void fault_rdpmc(kvm_run& run) {
    const std::uint8_t error = 1;
    std::memcpy(detail::member(run, Layout::error), &error, sizeof error);
}

// Reading back what userspace wrote (for tests and traces).
inline std::uint8_t rdpmc_error(const kvm_run& run) {
    return *detail::member(run, Layout::error);
}
inline std::uint64_t rdpmc_data(const kvm_run& run) {
    std::uint64_t data = 0;
    std::memcpy(&data, detail::member(run, Layout::data), sizeof data);
    return data;
}

// The argument of KVM_ENABLE_CAP on the VM fd.
inline kvm_enable_cap enable_cap_request(bool enable = true) {
    kvm_enable_cap cap{};
    cap.cap = kCapUserSpaceRdpmc;
    cap.args[0] = enable ? kEnable : kDisable;
    return cap;
}

}  // namespace vpmu::kvm_rdpmc
