#include "vmm/guest_cpuid.h"

#include <algorithm>

#include "vpmu/cpuid.h"

namespace vpmu::vmm {

namespace {

// Entries whose index is not significant answer every subleaf.
template <class Table>
auto* find_in(Table& table, std::uint32_t function, std::uint32_t index = 0) {
    decltype(&table[0]) found = nullptr;
    for (auto& e : table) {
        const bool indexed = (e.flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) != 0;
        if (e.function == function && (!indexed || e.index == index)) {
            found = &e;
            break;
        }
    }
    return found;
}

void remove_leaf(std::vector<kvm_cpuid_entry2>& table, std::uint32_t function) {
    std::erase_if(table, [function](const kvm_cpuid_entry2& e) { return e.function == function; });
}

kvm_cpuid_entry2 perfmon_leaf(const PmuConfig& pmu, std::uint32_t unavailable) {
    kvm_cpuid_entry2 entry{};
    entry.function = kCpuidPerfmonLeaf;
    if (!pmu.enabled) return entry;
    const CpuidLeaf leaf = encode_cpuid_0a(pmu);
    // EBX bits past the event vector length (EAX[31:24]) are reserved.
    const std::uint32_t vector_bits = (leaf.eax >> 24) & 0xff;
    const std::uint32_t mask = vector_bits >= 32 ? ~0u : (1u << vector_bits) - 1;
    entry.eax = leaf.eax;
    entry.ebx = leaf.ebx | (unavailable & mask);
    entry.ecx = leaf.ecx;
    entry.edx = leaf.edx;
    return entry;
}

}  // namespace

const kvm_cpuid_entry2* find_cpuid(const std::vector<kvm_cpuid_entry2>& table,
                                   std::uint32_t function, std::uint32_t index) {
    return find_in(table, function, index);
}

Result<std::vector<kvm_cpuid_entry2>> build_guest_cpuid(std::vector<kvm_cpuid_entry2> table,
                                                        const PmuConfig& pmu,
                                                        std::uint32_t backend_unavailable,
                                                        unsigned apic_id) {
    kvm_cpuid_entry2* leaf0 = find_in(table, 0);
    kvm_cpuid_entry2* leaf1 = find_in(table, 1);
    if (leaf0 == nullptr || leaf1 == nullptr) {
        return make_error("KVM_GET_SUPPORTED_CPUID lacks leaf 0 or 1");
    }
    leaf0->eax = std::max(leaf0->eax, kCpuidPerfmonLeaf);

    const bool has_perf_capabilities = pmu.enabled && pmu.version >= 2;
    leaf1->ecx = has_perf_capabilities ? leaf1->ecx | kCpuid1EcxPdcm : leaf1->ecx & ~kCpuid1EcxPdcm;
    leaf1->ebx = (leaf1->ebx & 0x00ffffffu) | (apic_id << 24);
    for (kvm_cpuid_entry2& e : table) {
        if (e.function == 0x0b || e.function == 0x1f) e.edx = apic_id;
    }

    if (kvm_cpuid_entry2* ext1 = find_in(table, 0x80000001)) {
        ext1->ecx &= ~kCpuid80000001EcxAmdPmuBits;
    }
    remove_leaf(table, kCpuidAmdPerfMonV2Leaf);

    remove_leaf(table, kCpuidPerfmonLeaf);
    table.push_back(perfmon_leaf(pmu, backend_unavailable));
    return table;
}

}  // namespace vpmu::vmm
