#include "vmm/guest_cpuid.h"

#include <gtest/gtest.h>

#include "vpmu/cpuid.h"

namespace vpmu::vmm {
namespace {

kvm_cpuid_entry2 leaf(std::uint32_t function, std::uint32_t eax, std::uint32_t ebx = 0,
                      std::uint32_t ecx = 0, std::uint32_t edx = 0, std::uint32_t index = 0,
                      std::uint32_t flags = 0) {
    kvm_cpuid_entry2 e{};
    e.function = function;
    e.index = index;
    e.flags = flags;
    e.eax = eax;
    e.ebx = ebx;
    e.ecx = ecx;
    e.edx = edx;
    return e;
}

// Shaped like this AMD host's KVM_GET_SUPPORTED_CPUID (abridged).
std::vector<kvm_cpuid_entry2> amd_host() {
    return {leaf(0, 0x1c, 0x68747541, 0x444d4163, 0x69746e65),
            leaf(1, 0x00a10f11, 0x00020800, 0x81202000, 0x078bfbff),
            leaf(0xa, 0),
            leaf(0xb, 0, 0, 0, 0, 0, KVM_CPUID_FLAG_SIGNIFCANT_INDEX),
            leaf(0xb, 0, 0, 1, 0, 1, KVM_CPUID_FLAG_SIGNIFCANT_INDEX),
            leaf(0x80000000, 0x80000022),
            leaf(0x80000001, 0x00a10f11, 0, 0x00400393 | (1u << 23) | (1u << 28), 0),
            leaf(0x80000022, 0xf, 0x6, 0, 0)};
}

CpuidLeaf leaf_0a(const std::vector<kvm_cpuid_entry2>& table) {
    const kvm_cpuid_entry2* e = find_cpuid(table, 0xa);
    EXPECT_NE(e, nullptr);
    return e ? CpuidLeaf{e->eax, e->ebx, e->ecx, e->edx} : CpuidLeaf{};
}

TEST(GuestCpuid, Leaf0aIsTheModelsEncoding) {
    auto pmu = parse_pmu_spec("version=3,gp=6,gp-width=40,fixed=2,fixed-width=44");
    ASSERT_TRUE(pmu.ok()) << pmu.error().message;
    auto table = build_guest_cpuid(amd_host(), *pmu, 0, 0);
    ASSERT_TRUE(table.ok()) << table.error().message;
    EXPECT_EQ(leaf_0a(*table), encode_cpuid_0a(*pmu));
    int count = 0;
    for (const auto& e : *table) count += e.function == 0xa;
    EXPECT_EQ(count, 1);
}

TEST(GuestCpuid, BackendUnavailableEventsAreOredIntoEbxWithinTheVector) {
    const PmuConfig pmu;  // version 2: seven architectural events
    auto table = build_guest_cpuid(amd_host(), pmu, 0xffffffff, 0);
    ASSERT_TRUE(table.ok());
    const CpuidLeaf expected = encode_cpuid_0a(pmu);
    const CpuidLeaf got = leaf_0a(*table);
    EXPECT_EQ(got.eax, expected.eax);
    EXPECT_EQ(got.ebx, expected.ebx | ((1u << pmu.event_vector_length()) - 1));
}

TEST(GuestCpuid, PmuOffZeroesLeaf0aAndPdcm) {
    auto host = amd_host();
    host[1].ecx |= kCpuid1EcxPdcm;
    auto table = build_guest_cpuid(host, PmuConfig::off(), 0xff, 0);
    ASSERT_TRUE(table.ok());
    EXPECT_EQ(leaf_0a(*table), CpuidLeaf{});
    EXPECT_EQ(find_cpuid(*table, 1)->ecx & kCpuid1EcxPdcm, 0u);
}

TEST(GuestCpuid, PdcmOnlyWhenPerfCapabilitiesExists) {
    auto v1 = parse_pmu_spec("version=1,fixed=0,fixed-width=0");
    ASSERT_TRUE(v1.ok()) << v1.error().message;
    auto t1 = build_guest_cpuid(amd_host(), *v1, 0, 0);
    EXPECT_EQ(find_cpuid(*t1, 1)->ecx & kCpuid1EcxPdcm, 0u);
    auto t2 = build_guest_cpuid(amd_host(), PmuConfig{}, 0, 0);
    EXPECT_EQ(find_cpuid(*t2, 1)->ecx & kCpuid1EcxPdcm, kCpuid1EcxPdcm);
    // Everything else in leaf 1 ECX is the host's.
    EXPECT_EQ(find_cpuid(*t2, 1)->ecx & ~kCpuid1EcxPdcm, amd_host()[1].ecx);
}

TEST(GuestCpuid, MaxBasicLeafReachesPerfmon) {
    auto host = amd_host();
    host[0].eax = 7;
    auto table = build_guest_cpuid(host, PmuConfig{}, 0, 0);
    EXPECT_EQ(find_cpuid(*table, 0)->eax, 0xau);
    auto high = build_guest_cpuid(amd_host(), PmuConfig{}, 0, 0);
    EXPECT_EQ(find_cpuid(*high, 0)->eax, 0x1cu);  // never lowered
}

TEST(GuestCpuid, LeafAddedWhenTheHostHasNone) {
    auto host = amd_host();
    std::erase_if(host, [](const kvm_cpuid_entry2& e) { return e.function == 0xa; });
    auto table = build_guest_cpuid(host, PmuConfig{}, 0, 0);
    EXPECT_EQ(leaf_0a(*table), encode_cpuid_0a(PmuConfig{}));
}

TEST(GuestCpuid, ApicIdPerVcpu) {
    auto table = build_guest_cpuid(amd_host(), PmuConfig{}, 0, 3);
    EXPECT_EQ(find_cpuid(*table, 1)->ebx >> 24, 3u);
    EXPECT_EQ(find_cpuid(*table, 1)->ebx & 0xffffff, amd_host()[1].ebx & 0xffffff);
    EXPECT_EQ(find_cpuid(*table, 0xb, 0)->edx, 3u);
    EXPECT_EQ(find_cpuid(*table, 0xb, 1)->edx, 3u);
}

TEST(GuestCpuid, AmdPmuExtensionsRemoved) {
    auto table = build_guest_cpuid(amd_host(), PmuConfig{}, 0, 0);
    EXPECT_EQ(find_cpuid(*table, 0x80000001)->ecx & kCpuid80000001EcxAmdPmuBits, 0u);
    EXPECT_EQ(find_cpuid(*table, 0x80000001)->ecx, 0x00400393u);
    EXPECT_EQ(find_cpuid(*table, kCpuidAmdPerfMonV2Leaf), nullptr);
    // The vendor stays the host's.
    EXPECT_EQ(find_cpuid(*table, 0)->ebx, 0x68747541u);
}

TEST(GuestCpuid, MissingBasicLeavesIsAnError) {
    std::vector<kvm_cpuid_entry2> empty;
    EXPECT_FALSE(build_guest_cpuid(empty, PmuConfig{}, 0, 0).ok());
}

}  // namespace
}  // namespace vpmu::vmm
